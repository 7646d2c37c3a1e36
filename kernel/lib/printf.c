/*
 * printf.c - vsnprintf/snprintf for the kernel (and for host tests).
 *
 * One pass over the format string; each conversion is parsed into a
 * struct fmt_spec by parse_spec() and emitted by emit_conversion(), which
 * ends in emit_number() or emit_string(). Output goes through put(), which
 * counts every byte but stores only those that fit, so truncation never
 * overruns and the return value is the untruncated length.
 */
#include "kernel/lib/printf.h"

#include <stdbool.h>
#include <stdint.h>

struct out {
	char *buf;
	size_t size;
	size_t len;	/* bytes produced so far (may exceed size) */
};

struct fmt_spec {
	bool left, zero, plus, space, alt;
	bool ptr;	/* %p: "0x" even for a zero value */
	int width;
	int precision;	/* -1: none */
	int length;	/* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void emit_string(struct out *o, const char *s, const struct fmt_spec *f)
{
	int len = 0;

	if (!s)
		s = "(null)";
	while (s[len] && (f->precision < 0 || len < f->precision))
		len++;
	if (!f->left)
		pad(o, ' ', f->width - len);
	for (int i = 0; i < len; i++)
		put(o, s[i]);
	if (f->left)
		pad(o, ' ', f->width - len);
}

/* Emit @v in @base; @neg says the original signed value was negative. */
static void emit_number(struct out *o, unsigned long long v, bool neg, int base,
			bool upper, const struct fmt_spec *f)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	bool zero_val = v == 0;
	int n = 0, prec = f->precision;
	char sign = neg ? '-' : f->plus ? '+' : f->space ? ' ' : 0;
	const char *prefix = "";

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (prec == 0 && n == 1 && tmp[0] == '0')
		n = 0;				/* "%.0d" of 0 prints nothing */
	int zeros = prec > n ? prec - n : 0;

	/* C: "#" adds 0x only to a non-zero value; for octal it forces a
	 * leading 0 only when the digits (with precision zeros) lack one. */
	if (base == 16 && (f->ptr || (f->alt && !zero_val)))
		prefix = upper ? "0X" : "0x";
	else if (f->alt && base == 8 && zeros == 0 && (n == 0 || tmp[n - 1] != '0'))
		prefix = "0";
	int body = n + zeros + (sign ? 1 : 0) + (int)(prefix[0] ? (prefix[1] ? 2 : 1) : 0);

	if (f->zero && !f->left && prec < 0 && f->width > body) {
		zeros += f->width - body;
		body = f->width;
	}
	if (!f->left)
		pad(o, ' ', f->width - body);
	if (sign)
		put(o, sign);
	for (const char *p = prefix; *p; p++)
		put(o, *p);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (f->left)
		pad(o, ' ', f->width - body);
}

static const char *parse_int(const char *p, int *v)
{
	*v = 0;
	while (*p >= '0' && *p <= '9')
		*v = *v * 10 + (*p++ - '0');
	return p;
}

/* Parse the flag characters at @p into @f; return the first non-flag. */
static const char *parse_flags(const char *p, struct fmt_spec *f)
{
	for (;; p++) {
		if (*p == '-')
			f->left = true;
		else if (*p == '0')
			f->zero = true;
		else if (*p == '+')
			f->plus = true;
		else if (*p == ' ')
			f->space = true;
		else if (*p == '#')
			f->alt = true;
		else
			return p;
	}
}

/* Parse a width and a '.'-precision (numbers or '*') at @p into @f. */
static const char *parse_width_precision(const char *p, struct fmt_spec *f,
					 va_list *ap)
{
	if (*p == '*') {
		f->width = va_arg(*ap, int);
		if (f->width < 0) {
			f->left = true;
			f->width = -f->width;
		}
		p++;
	} else {
		p = parse_int(p, &f->width);
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			f->precision = va_arg(*ap, int);
			p++;
		} else {
			p = parse_int(p, &f->precision);
		}
	}
	return p;
}

/* Parse the length modifiers (hh h l ll z t j) at @p into @f. */
static const char *parse_length(const char *p, struct fmt_spec *f)
{
	for (;; p++) {
		if (*p == 'l')
			f->length = f->length == 1 ? 2 : 1;
		else if (*p == 'h')
			f->length = f->length == -1 ? -2 : -1;
		else if (*p == 'z' || *p == 't' || *p == 'j')
			f->length = 3;
		else
			return p;
	}
}

/* Parse everything between '%' and the conversion character into @f. */
static const char *parse_spec(const char *p, struct fmt_spec *f, va_list *ap)
{
	p = parse_flags(p, f);
	p = parse_width_precision(p, f, ap);
	return parse_length(p, f);
}

/* Fetch and emit the argument of a %d or %i conversion. */
static void emit_signed(struct out *o, const struct fmt_spec *f, va_list *ap)
{
	long long s;

	if (f->length == 1 || f->length == 3)
		s = va_arg(*ap, long);
	else if (f->length == 2)
		s = va_arg(*ap, long long);
	else
		s = va_arg(*ap, int);
	if (f->length == -1)
		s = (short)s;
	else if (f->length == -2)
		s = (signed char)s;
	emit_number(o, s < 0 ? -(unsigned long long)s : (unsigned long long)s,
		    s < 0, 10, false, f);
}

/* Fetch and emit the argument of a %u, %x, %X or %o conversion. */
static void emit_unsigned(struct out *o, char conv, struct fmt_spec *f,
			  va_list *ap)
{
	unsigned long long u;

	if (f->length == 1 || f->length == 3)
		u = va_arg(*ap, unsigned long);
	else if (f->length == 2)
		u = va_arg(*ap, unsigned long long);
	else
		u = va_arg(*ap, unsigned int);
	if (f->length == -1)
		u = (unsigned short)u;
	else if (f->length == -2)
		u = (unsigned char)u;
	f->plus = f->space = false;	/* no sign on unsigned */
	emit_number(o, u, false, conv == 'u' ? 10 : conv == 'o' ? 8 : 16,
		    conv == 'X', f);
}

/* Emit @c as a %c conversion; a NUL char still counts as one byte. */
static void emit_char(struct out *o, char c, struct fmt_spec *f)
{
	char str[2] = { c, 0 };

	f->precision = 1;
	if (c == 0) {
		pad(o, ' ', f->left ? 0 : f->width - 1);
		put(o, 0);
		pad(o, ' ', f->left ? f->width - 1 : 0);
	} else {
		emit_string(o, str, f);
	}
}

/*
 * Emit the conversion @*p (already parsed into @f), fetching its argument.
 * Return the last format character consumed.
 */
static const char *emit_conversion(struct out *o, const char *p,
				   struct fmt_spec *f, va_list *ap)
{
	switch (*p) {
	case 'd':
	case 'i':
		emit_signed(o, f, ap);
		break;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		emit_unsigned(o, *p, f, ap);
		break;
	case 'p':
		f->ptr = true;
		emit_number(o, (uintptr_t)va_arg(*ap, void *), false, 16, false,
			    f);
		break;
	case 's':
		emit_string(o, va_arg(*ap, const char *), f);
		break;
	case 'c':
		emit_char(o, (char)va_arg(*ap, int), f);
		break;
	case '%':
		put(o, '%');
		break;
	case '\0':
		p--;		/* lone '%' at the end: stop */
		break;
	default:		/* unknown: print it verbatim */
		put(o, '%');
		put(o, *p);
		break;
	}
	return p;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list args;

	/* A copy, so the helpers can share it through a pointer. */
	va_copy(args, ap);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		struct fmt_spec f = { .precision = -1 };

		p = parse_spec(p + 1, &f, &args);
		p = emit_conversion(&o, p, &f, &args);
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
