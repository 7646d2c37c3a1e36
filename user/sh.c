/*
 * sh.c - /bin/sh: a small POSIX-flavoured shell for Pagoda.
 *
 *	sh			interactive if stdin is a terminal
 *	sh -c "commands"	run a string
 *	sh script [args]	run a file, line by line
 *
 * Supported: words with '...' and "..." quoting and backslash escapes;
 * $?, $$, $!, $NAME and ${NAME} (variables are simply the environment);
 * pipelines of any length; redirections <, >, >>, N>, N>>, N<, N>&M,
 * N<&M (so 2>&1); lists with ;, &, && and ||; NAME=value assignments,
 * alone or before a command; # comments; builtins cd, exit, export,
 * unset, wait and fg.  No globbing, no control flow, no functions.
 *
 * A line goes through three stages, each its own section below:
 *
 *	lex	line -> tokens (words keep their quotes, operators split off)
 *	parse	tokens -> pipelines joined by ; & && ||
 *	exec	expand each word just before its command runs (so that
 *		"false; echo $?" prints 1), then fork/exec
 *
 * Job control, only when interactive: every pipeline gets its own
 * process group, which is made the terminal's foreground group while it
 * runs (errors ignored, so a console without job control still works).
 * The shell never dies of ^C: at the prompt it abandons the line, and
 * while a job runs it waits on; children get the default SIGINT.
 * ^Z (SIGTSTP) stops the foreground job and gives the prompt back; the
 * last stopped job is remembered, and fg continues it (SIGCONT to its
 * group) in the foreground. Finished background jobs are reported before
 * each prompt.
 *
 * Memory for one line comes from an arena freed when the line is done.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_PATH	"/bin:/sbin:/tests"

/* ---------------------------------------------------------------- state */

static int last_status;		/* $? */
static pid_t last_bg;		/* $! */
static int interactive;		/* reading commands from a terminal */
static int job_control;		/* interactive and owns the terminal */
static pid_t shell_pgid;
static volatile sig_atomic_t got_sigint;

/* The last job ^Z stopped, for fg: its group and the members not yet reaped. */
#define STOPPED_MAX	16
static struct {
	pid_t pgid;
	pid_t pids[STOPPED_MAX];
	int n, ncmds;
} stopped;

static int wait_pipeline(const pid_t *pids, int n, int ncmds, pid_t pgid);

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
}

static void sh_error(const char *fmt, ...)
{
	va_list ap;

	fputs("sh: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---------------------------------------------------------------- arena */

struct chunk {
	struct chunk *next;
	char data[];
};
static struct chunk *arena;

static void *xalloc(size_t n)
{
	struct chunk *c = malloc(sizeof(*c) + n);

	if (!c) {
		sh_error("out of memory");
		exit(2);
	}
	c->next = arena;
	arena = c;
	memset(c->data, 0, n);
	return c->data;
}

static void arena_free(void)
{
	while (arena) {
		struct chunk *next = arena->next;

		free(arena);
		arena = next;
	}
}

/* A growable string in the arena. */
struct buf {
	char *s;
	size_t len, cap;
};

static void buf_putc(struct buf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		char *s = xalloc(cap);

		if (b->s)
			memcpy(s, b->s, b->len);
		b->s = s;
		b->cap = cap;
	}
	b->s[b->len++] = c;
	b->s[b->len] = 0;
}

static void buf_puts(struct buf *b, const char *s)
{
	while (*s)
		buf_putc(b, *s++);
}

/* ------------------------------------------------------------------ lex */

enum tok_type {
	T_WORD, T_PIPE, T_AND, T_OR, T_SEMI, T_AMP,
	T_REDIR_IN, T_REDIR_OUT, T_REDIR_APPEND, T_DUP_IN, T_DUP_OUT,
	T_END,
};

struct token {
	enum tok_type type;
	char *text;	/* T_WORD: raw text, quotes still in it */
	int fd;		/* redirections: the fd, or -1 for the default */
};

static int is_op_char(char c)
{
	return c == '|' || c == '&' || c == ';' || c == '<' || c == '>';
}

/* Does @p start an fd-number prefix of a redirection, as in "2>"? */
static int is_fd_prefix(const char *p)
{
	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '<' || *p == '>';
}

/* Lex the operator at *@pp, with its fd-number prefix if any, into @tok. */
static void lex_op(const char **pp, struct token *tok)
{
	const char *p = *pp;

	if (isdigit((unsigned char)*p))
		tok->fd = strtol(p, (char **)&p, 10);
	if (p[0] == '&' && p[1] == '&')
		tok->type = T_AND, p += 2;
	else if (p[0] == '|' && p[1] == '|')
		tok->type = T_OR, p += 2;
	else if (p[0] == '>' && p[1] == '>')
		tok->type = T_REDIR_APPEND, p += 2;
	else if (p[0] == '>' && p[1] == '&')
		tok->type = T_DUP_OUT, p += 2;
	else if (p[0] == '<' && p[1] == '&')
		tok->type = T_DUP_IN, p += 2;
	else if (*p == '|')
		tok->type = T_PIPE, p++;
	else if (*p == '&')
		tok->type = T_AMP, p++;
	else if (*p == ';')
		tok->type = T_SEMI, p++;
	else if (*p == '<')
		tok->type = T_REDIR_IN, p++;
	else
		tok->type = T_REDIR_OUT, p++;
	*pp = p;
}

/* Lex the word at *@pp into @tok, quotes kept; -1 on an unterminated quote. */
static int lex_word(const char **pp, struct token *tok)
{
	const char *p = *pp;
	struct buf w = { 0 };

	tok->type = T_WORD;
	while (*p && !strchr(" \t\r\n", *p) && !is_op_char(*p)) {
		char q = *p;

		if (q == '\\' && p[1]) {
			buf_putc(&w, *p++);
		} else if (q == '\'' || q == '"') {
			buf_putc(&w, *p++);
			while (*p && *p != q) {
				if (q == '"' && *p == '\\' && p[1])
					buf_putc(&w, *p++);
				buf_putc(&w, *p++);
			}
			if (!*p) {
				sh_error("unterminated %c", q);
				return -1;
			}
		}
		buf_putc(&w, *p++);
	}
	tok->text = w.s;
	*pp = p;
	return 0;
}

/*
 * Split @line into tokens (ending with T_END).  Returns the count, or -1
 * after a message for an unterminated quote.
 */
static int lex(const char *line, struct token **out)
{
	int n = 0, cap = 16;
	struct token *t = xalloc(cap * sizeof(*t));
	const char *p = line;

	for (;;) {
		struct token tok = { T_END, NULL, -1 };

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '#')
			while (*p)
				p++;
		if (!*p) {
			/* T_END */
		} else if (is_op_char(*p) || is_fd_prefix(p)) {
			lex_op(&p, &tok);
		} else if (lex_word(&p, &tok) < 0) {
			return -1;
		}
		if (n == cap) {
			struct token *nt = xalloc(2 * cap * sizeof(*nt));

			memcpy(nt, t, cap * sizeof(*nt));
			t = nt;
			cap *= 2;
		}
		t[n++] = tok;
		if (tok.type == T_END)
			break;
	}
	*out = t;
	return n;
}

/* --------------------------------------------------------------- expand */

static void expand_var(struct buf *b, const char **pp)
{
	const char *p = *pp;	/* just after '$' */
	char name[128], num[24];
	const char *val = NULL;
	size_t n = 0;

	if (*p == '?' || *p == '$' || *p == '!') {
		snprintf(num, sizeof(num), "%d", *p == '?' ? last_status :
			 *p == '$' ? (int)getpid() : (int)last_bg);
		buf_puts(b, num);
		*pp = p + 1;
		return;
	}
	if (*p == '{') {
		for (p++; *p && *p != '}' && n < sizeof(name) - 1; p++)
			name[n++] = *p;
		if (*p == '}')
			p++;
	} else {
		while ((isalnum((unsigned char)*p) || *p == '_') &&
		       n < sizeof(name) - 1)
			name[n++] = *p++;
	}
	name[n] = 0;
	if (n == 0) {
		buf_putc(b, '$');	/* a lone '$' is literal */
	} else {
		val = getenv(name);
		if (val)
			buf_puts(b, val);
	}
	*pp = p;
}

/*
 * Remove quotes and expand variables in raw word @w.  Returns NULL for a
 * word that was unquoted and expanded to nothing (it disappears).
 */
static char *expand(const char *w)
{
	struct buf b = { 0 };
	int quoted = 0;
	const char *p = w;

	buf_puts(&b, "");
	while (*p) {
		if (*p == '\\' && p[1]) {
			buf_putc(&b, p[1]);
			p += 2;
		} else if (*p == '\'') {
			quoted = 1;
			for (p++; *p && *p != '\''; p++)
				buf_putc(&b, *p);
			if (*p)
				p++;
		} else if (*p == '"') {
			quoted = 1;
			for (p++; *p && *p != '"'; ) {
				if (*p == '\\' && strchr("\\\"$`", p[1]) && p[1]) {
					buf_putc(&b, p[1]);
					p += 2;
				} else if (*p == '$') {
					p++;
					expand_var(&b, &p);
				} else {
					buf_putc(&b, *p++);
				}
			}
			if (*p)
				p++;
		} else if (*p == '$') {
			p++;
			expand_var(&b, &p);
		} else {
			buf_putc(&b, *p++);
		}
	}
	return (b.len == 0 && !quoted) ? NULL : b.s;
}

/* ---------------------------------------------------------------- parse */

struct redir {
	enum tok_type type;	/* T_REDIR_* or T_DUP_* */
	int fd;			/* the fd being redirected */
	char *word;		/* raw target word */
};

struct cmd {
	char **words;		/* raw words, NULL-terminated */
	int nwords;
	struct redir *redirs;
	int nredirs;
};

struct pipeline {
	struct cmd *cmds;
	int ncmds;
	enum tok_type op;	/* what follows: T_SEMI, T_AMP, T_AND, T_OR */
};

static int is_redir(enum tok_type t)
{
	return t >= T_REDIR_IN && t <= T_DUP_OUT;
}

static const char *tok_name(const struct token *t)
{
	static const char *names[] = { "word", "|", "&&", "||", ";", "&", "<",
				       ">", ">>", "<&", ">&", "newline" };

	return names[t->type];
}

/* Parse one simple command starting at @t[*i]; -1 on a syntax error. */
static int parse_cmd(struct token *t, int *i, struct cmd *c)
{
	int start = *i, nw = 0, nr = 0;

	while (t[*i].type == T_WORD || is_redir(t[*i].type)) {
		if (is_redir(t[*i].type)) {
			if (t[*i + 1].type != T_WORD) {
				sh_error("syntax error near '%s'",
					 tok_name(&t[*i + 1]));
				return -1;
			}
			nr++;
			*i += 2;
		} else {
			nw++;
			*i += 1;
		}
	}
	if (nw == 0 && nr == 0) {
		sh_error("syntax error near '%s'", tok_name(&t[*i]));
		return -1;
	}
	c->words = xalloc((nw + 1) * sizeof(char *));
	c->redirs = xalloc((nr + 1) * sizeof(struct redir));
	for (*i = start; t[*i].type == T_WORD || is_redir(t[*i].type); ) {
		if (is_redir(t[*i].type)) {
			struct redir *r = &c->redirs[c->nredirs++];

			r->type = t[*i].type;
			r->fd = t[*i].fd;
			if (r->fd < 0)	/* default: stdin for <, stdout for > */
				r->fd = r->type == T_REDIR_IN ||
					r->type == T_DUP_IN ? 0 : 1;
			r->word = t[*i + 1].text;
			*i += 2;
		} else {
			c->words[c->nwords++] = t[(*i)++].text;
		}
	}
	return 0;
}

/*
 * Parse all tokens into pipelines.  Returns the count (0 for an empty
 * line), or -1 after a syntax error message.
 */
static int parse(struct token *t, int ntok, struct pipeline **out)
{
	struct pipeline *pl = xalloc(ntok * sizeof(*pl));
	int i = 0, n = 0;

	while (t[i].type != T_END) {
		struct pipeline *p = &pl[n++];
		int cap = 0;

		for (;;) {
			if (p->ncmds == cap) {
				struct cmd *nc = xalloc((cap + 8) * sizeof(*nc));

				if (p->cmds)
					memcpy(nc, p->cmds, cap * sizeof(*nc));
				p->cmds = nc;
				cap += 8;
			}
			if (parse_cmd(t, &i, &p->cmds[p->ncmds++]) < 0)
				return -1;
			if (t[i].type != T_PIPE)
				break;
			i++;
		}
		p->op = T_SEMI;
		if (t[i].type == T_END)
			break;
		p->op = t[i].type;
		i++;
		if ((p->op == T_AND || p->op == T_OR) && t[i].type == T_END) {
			sh_error("syntax error: '%s' at end of line",
				 p->op == T_AND ? "&&" : "||");
			return -1;
		}
	}
	*out = pl;
	return n;
}

/* ------------------------------------------------------------- builtins */

static int is_assignment(const char *w)
{
	const char *p = w;

	if (!isalpha((unsigned char)*p) && *p != '_')
		return 0;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	return *p == '=';
}

static int set_assignment(const char *w)
{
	const char *eq = strchr(w, '=');
	char name[256];
	size_t n = eq - w;

	if (n >= sizeof(name))
		return -1;
	memcpy(name, w, n);
	name[n] = 0;
	return setenv(name, eq + 1, 1);
}

static int builtin_cd(char **argv)
{
	const char *dir = argv[1] ? argv[1] : getenv("HOME");
	char cwd[4096];

	if (!dir || !*dir)
		dir = "/";
	if (chdir(dir) < 0) {
		sh_error("cd: %s: %s", dir, strerror(errno));
		return 1;
	}
	if (getcwd(cwd, sizeof(cwd)))
		setenv("PWD", cwd, 1);
	return 0;
}

static int builtin_exit(char **argv)
{
	exit(argv[1] ? atoi(argv[1]) & 0xff : last_status);
}

static int builtin_export(char **argv)
{
	int i, rc = 0;

	if (!argv[1]) {
		extern char **environ;
		char **e;

		for (e = environ; *e; e++)
			printf("export %s\n", *e);
		fflush(stdout);
		return 0;
	}
	for (i = 1; argv[i]; i++) {
		if (is_assignment(argv[i]))
			rc |= set_assignment(argv[i]) < 0;
		else if (!getenv(argv[i]))
			setenv(argv[i], "", 1);
	}
	return rc;
}

static int builtin_unset(char **argv)
{
	int i;

	for (i = 1; argv[i]; i++)
		unsetenv(argv[i]);
	return 0;
}

static int builtin_nop(char **argv)
{
	(void)argv;
	return 0;
}

static int builtin_wait(char **argv)
{
	int st;

	(void)argv;
	while (wait(&st) > 0 || errno == EINTR)
		;
	return 0;
}

/* fg: continue the stopped job in the foreground and wait for it. */
static int builtin_fg(char **argv)
{
	pid_t pids[STOPPED_MAX], pgid = stopped.pgid;

	(void)argv;
	if (!pgid) {
		sh_error("fg: no stopped job");
		return 1;
	}
	memcpy(pids, stopped.pids, sizeof(pids));
	stopped.pgid = 0;
	killpg(pgid, SIGCONT);
	return wait_pipeline(pids, stopped.n, stopped.ncmds, pgid);
}

static const struct {
	const char *name;
	int (*fn)(char **argv);
} builtins[] = {
	{ "fg", builtin_fg },
	{ "cd", builtin_cd },
	{ "exit", builtin_exit },
	{ "export", builtin_export },
	{ "unset", builtin_unset },
	{ "wait", builtin_wait },
};

static int (*find_builtin(const char *name))(char **)
{
	size_t i;

	for (i = 0; name && i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(name, builtins[i].name))
			return builtins[i].fn;
	return NULL;
}

/* ----------------------------------------------------------------- exec */

/* A command with its words expanded: assignments, argv, targets. */
struct ready {
	char **assigns;
	char **argv;
	struct redir *redirs;
	int nredirs;
};

/* Expand the words of @c; returns -1 if a redirection target vanished. */
static int prepare(const struct cmd *c, struct ready *r)
{
	int i, na = 0, nv = 0, in_prefix = 1;

	r->assigns = xalloc((c->nwords + 1) * sizeof(char *));
	r->argv = xalloc((c->nwords + 1) * sizeof(char *));
	for (i = 0; i < c->nwords; i++) {
		char *w = expand(c->words[i]);

		if (!w)
			continue;
		if (in_prefix && is_assignment(c->words[i]))
			r->assigns[na++] = w;
		else {
			in_prefix = 0;
			r->argv[nv++] = w;
		}
	}
	r->nredirs = c->nredirs;
	r->redirs = xalloc((c->nredirs + 1) * sizeof(struct redir));
	for (i = 0; i < c->nredirs; i++) {
		r->redirs[i] = c->redirs[i];
		r->redirs[i].word = expand(c->redirs[i].word);
		if (!r->redirs[i].word) {
			sh_error("%s: ambiguous redirect", c->redirs[i].word);
			return -1;
		}
	}
	return 0;
}

/* Apply redirections in this process; returns -1 after a message. */
static int apply_redirs(const struct ready *r)
{
	int i, fd;

	for (i = 0; i < r->nredirs; i++) {
		const struct redir *d = &r->redirs[i];

		if (d->type == T_DUP_IN || d->type == T_DUP_OUT) {
			if (!strcmp(d->word, "-")) {
				close(d->fd);
				continue;
			}
			fd = atoi(d->word);
			if (!isdigit((unsigned char)d->word[0]) ||
			    dup2(fd, d->fd) < 0) {
				sh_error("%s: bad file descriptor", d->word);
				return -1;
			}
			continue;
		}
		if (d->type == T_REDIR_IN)
			fd = open(d->word, O_RDONLY);
		else if (d->type == T_REDIR_APPEND)
			fd = open(d->word, O_WRONLY | O_CREAT | O_APPEND, 0666);
		else
			fd = open(d->word, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (fd < 0) {
			sh_error("%s: %s", d->word, strerror(errno));
			return -1;
		}
		if (fd != d->fd) {
			dup2(fd, d->fd);
			close(fd);
		}
	}
	return 0;
}

/* Exec @argv, searching PATH; never returns. */
static void exec_command(char **argv)
{
	const char *path = getenv("PATH");
	char full[4096];
	int saw_eacces = 0;
	const char *p, *end;

	if (strchr(argv[0], '/')) {
		snprintf(full, sizeof(full), "%s", argv[0]);
		goto try_one;
	}
	if (!path)
		path = DEFAULT_PATH;
	for (p = path; ; p = end + 1) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		snprintf(full, sizeof(full), "%.*s%s%s", (int)(end - p), p,
			 end > p ? "/" : "", argv[0]);
		execv(full, argv);
		if (errno == EACCES)
			saw_eacces = 1;
		if (errno == ENOEXEC)
			goto script;
		if (!*end)
			break;
	}
	sh_error("%s: %s", argv[0], saw_eacces ? "permission denied" :
		 "not found");
	_exit(saw_eacces ? 126 : 127);
try_one:
	execv(full, argv);
	if (errno != ENOEXEC) {
		sh_error("%s: %s", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
script:
	/* Not a binary: run it as a script with this shell. */
	{
		int n = 0;
		char **nargv;

		while (argv[n])
			n++;
		nargv = xalloc((n + 2) * sizeof(char *));
		nargv[0] = "sh";
		nargv[1] = full;
		memcpy(nargv + 2, argv + 1, n * sizeof(char *));
		execv("/bin/sh", nargv);
		sh_error("%s: %s", argv[0], strerror(errno));
		_exit(126);
	}
}

/* In a new child: the process group, terminal and signal setup. */
static void child_setup(pid_t pgid, int foreground)
{
	if (job_control) {
		setpgid(0, pgid);
		if (foreground)
			tcsetpgrp(0, getpgrp());
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGTSTP, SIG_DFL);
	signal(SIGTTIN, SIG_DFL);
	signal(SIGTTOU, SIG_DFL);
}

/* Run a builtin in the shell itself, redirections undone afterwards. */
static int run_builtin_here(int (*fn)(char **), struct ready *r)
{
	int saved[3], i, rc;

	fflush(stdout);
	for (i = 0; i < 3; i++)
		saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 10);
	rc = apply_redirs(r) < 0 ? 1 : fn(r->argv);
	fflush(stdout);
	for (i = 0; i < 3; i++) {
		if (saved[i] >= 0) {
			dup2(saved[i], i);
			close(saved[i]);
		}
	}
	return rc;
}

/* Turn a wait status into $?, reporting deaths by signal. */
static int status_of(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);

		if (sig == SIGINT)
			fputc('\n', stderr);
		else if (sig != SIGPIPE)
			fprintf(stderr, "%s%s\n", strsignal(sig),
				WCOREDUMP(st) ? " (core dumped)" : "");
		return 128 + sig;
	}
	return 1;
}

/* Run @r in the shell itself if a builtin or only assignments; 1 if so. */
static int run_here(struct ready *r, int *status)
{
	int (*fn)(char **) = find_builtin(r->argv[0]);
	int i;

	if (!r->argv[0]) {
		/* Assignments only (perhaps with redirections). */
		for (i = 0; r->assigns[i]; i++)
			set_assignment(r->assigns[i]);
		*status = run_builtin_here(builtin_nop, r);
		return 1;
	}
	if (!fn)
		return 0;
	*status = run_builtin_here(fn, r);
	return 1;
}

/* Child side of @r: process group, pipe ends, redirections, then exec. */
static void run_child(struct ready *r, pid_t pgid, int background, int in_fd,
		      int pfd[2])
{
	int (*fn)(char **) = find_builtin(r->argv[0]);
	int k;

	child_setup(pgid, !background);
	if (in_fd != 0) {
		dup2(in_fd, 0);
		close(in_fd);
	}
	if (pfd[1] >= 0) {
		dup2(pfd[1], 1);
		close(pfd[1]);
		close(pfd[0]);
	}
	if (apply_redirs(r) < 0)
		_exit(1);
	for (k = 0; r->assigns[k]; k++)
		set_assignment(r->assigns[k]);
	if (!r->argv[0])
		_exit(0);
	if (fn) {
		int rc = fn(r->argv);

		fflush(stdout);
		_exit(rc);
	}
	exec_command(r->argv);
}

/* Fork the commands of @pl, piped together; returns how many started. */
static int start_pipeline(struct pipeline *pl, struct ready *r, pid_t *pids,
			  int background, pid_t *pgid)
{
	int i, in_fd = 0;

	*pgid = 0;
	fflush(stdout);
	for (i = 0; i < pl->ncmds; i++) {
		int pfd[2] = { -1, -1 };

		if (i + 1 < pl->ncmds && pipe(pfd) < 0) {
			sh_error("pipe: %s", strerror(errno));
			break;
		}
		pids[i] = fork();
		if (pids[i] < 0) {
			sh_error("fork: %s", strerror(errno));
			close(pfd[0]);
			close(pfd[1]);
			break;
		}
		if (pids[i] == 0)
			run_child(&r[i], *pgid, background, in_fd, pfd);
		if (job_control) {
			if (!*pgid)
				*pgid = pids[i];
			setpgid(pids[i], *pgid);
		}
		if (in_fd != 0)
			close(in_fd);
		if (pfd[1] >= 0)
			close(pfd[1]);
		in_fd = pfd[0];
	}
	if (in_fd > 0)
		close(in_fd);
	return i;
}

/* Wait for the @n started members of a foreground pipeline; returns $?. */
static int wait_pipeline(const pid_t *pids, int n, int ncmds, pid_t pgid)
{
	int st = 0, status = 0;

	if (job_control)
		tcsetpgrp(0, pgid);
	else if (!interactive)
		signal(SIGINT, SIG_IGN);
	while (n-- > 0) {
		while (waitpid(pids[n], &st, job_control ? WUNTRACED : 0) < 0 && errno == EINTR)
			;
		if (WIFSTOPPED(st) && n < STOPPED_MAX) {
			/* ^Z: the job stays stopped; fg continues it. */
			stopped.pgid = pgid;
			stopped.n = n + 1;
			stopped.ncmds = ncmds;
			memcpy(stopped.pids, pids, (n + 1) * sizeof(pid_t));
			fprintf(stderr, "\n[%d] Stopped (fg continues it)\n", (int)pgid);
			status = 128 + WSTOPSIG(st);
			break;
		}
		if (n == ncmds - 1)
			status = status_of(st);
	}
	if (job_control)
		tcsetpgrp(0, shell_pgid);
	else if (!interactive) {
		signal(SIGINT, SIG_DFL);
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGINT)
			kill(getpid(), SIGINT);	/* ^C ends a script too */
	}
	return status;
}

/* Run one pipeline; returns its status ($?), or 0 if in the background. */
static int run_pipeline(struct pipeline *pl, int background)
{
	struct ready *r = xalloc(pl->ncmds * sizeof(*r));
	pid_t *pids = xalloc(pl->ncmds * sizeof(pid_t)), pgid;
	int i, n, status;

	for (i = 0; i < pl->ncmds; i++)
		if (prepare(&pl->cmds[i], &r[i]) < 0)
			return 1;
	if (pl->ncmds == 1 && !background && run_here(&r[0], &status))
		return status;
	n = start_pipeline(pl, r, pids, background, &pgid);
	if (background) {
		last_bg = pids[n - 1];
		if (interactive)
			fprintf(stderr, "[%d]\n", (int)last_bg);
		return 0;
	}
	return wait_pipeline(pids, n, pl->ncmds, pgid);
}

/* Run pipelines @from..@to joined by && and ||; returns the status. */
static int run_and_or(struct pipeline *pl, int from, int to)
{
	int k, status = run_pipeline(&pl[from], 0);

	for (k = from + 1; k <= to; k++) {
		enum tok_type op = pl[k - 1].op;

		if ((op == T_AND && status == 0) || (op == T_OR && status != 0))
			status = run_pipeline(&pl[k], 0);
	}
	return status;
}

/* Run a whole parsed line. */
static void run_list(struct pipeline *pl, int n)
{
	int i = 0, end;

	while (i < n) {
		for (end = i; end < n - 1 && (pl[end].op == T_AND ||
					      pl[end].op == T_OR); end++)
			;
		if (pl[end].op != T_AMP) {
			last_status = run_and_or(pl, i, end);
		} else if (end == i) {
			last_status = run_pipeline(&pl[i], 1);
		} else {
			/* "a && b &": a subshell runs the list. */
			pid_t pid = fork();

			if (pid == 0) {
				child_setup(0, 0);
				job_control = 0;
				interactive = 0;
				exit(run_and_or(pl, i, end));
			}
			if (pid > 0) {
				if (job_control)
					setpgid(pid, pid);
				last_bg = pid;
				if (interactive)
					fprintf(stderr, "[%d]\n", (int)pid);
			}
			last_status = pid < 0;
		}
		i = end + 1;
	}
}

static void run_line(const char *line)
{
	struct token *t;
	struct pipeline *pl;
	int ntok, n;

	ntok = lex(line, &t);
	if (ntok < 0) {
		last_status = 2;
	} else {
		n = parse(t, ntok, &pl);
		if (n < 0)
			last_status = 2;
		else
			run_list(pl, n);
	}
	arena_free();
}

/* ---------------------------------------------------------------- input */

/*
 * Read one line from @fd, a byte at a time so that commands run from the
 * same input (a script on stdin) see exactly the bytes after it.  Returns
 * a malloc'd line without its newline, or NULL at EOF.  If @fd is
 * interrupted by ^C, the partial line is dropped and "" returned.
 */
static char *read_line(int fd)
{
	size_t len = 0, cap = 128;
	char *s = malloc(cap), c;
	ssize_t n;

	if (!s)
		return NULL;
	for (;;) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR) {
			if (got_sigint) {
				got_sigint = 0;
				fputc('\n', stderr);
				len = 0;
				break;
			}
			continue;
		}
		if (n <= 0) {
			if (len == 0) {
				free(s);
				return NULL;
			}
			break;
		}
		if (c == '\n')
			break;
		if (len + 2 > cap) {
			char *ns = realloc(s, cap * 2);

			if (!ns)
				break;
			s = ns;
			cap *= 2;
		}
		s[len++] = c;
	}
	s[len] = 0;
	return s;
}

/* Report background children that have finished. */
static void reap_background(void)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (!interactive)
			continue;
		if (WIFEXITED(st))
			fprintf(stderr, "[%d] done, exit %d\n", (int)pid,
				WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			fprintf(stderr, "[%d] %s\n", (int)pid,
				strsignal(WTERMSIG(st)));
	}
}

/* Interactive setup: own process group, foreground, signals. */
static void init_interactive(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;	/* no SA_RESTART: interrupt read() */
	sigaction(SIGINT, &sa, NULL);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	if (getpgrp() != getpid() && getsid(0) != getpid())
		setpgid(0, 0);
	shell_pgid = getpgrp();
	job_control = tcsetpgrp(0, shell_pgid) == 0;
}

static void run_fd(int fd)
{
	char *line;

	for (;;) {
		if (interactive) {
			reap_background();
			fputs("$ ", stderr);
			fflush(stderr);
		}
		line = read_line(fd);
		if (!line)
			break;
		run_line(line);
		free(line);
	}
	if (interactive)
		fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	if (!getenv("PATH"))
		setenv("PATH", DEFAULT_PATH, 1);
	if (argc > 2 && !strcmp(argv[1], "-c")) {
		char *s = argv[2], *nl;

		/* Run the string a line at a time, like a script. */
		for (;;) {
			nl = strchr(s, '\n');
			if (nl)
				*nl = 0;
			run_line(s);
			if (!nl)
				break;
			s = nl + 1;
		}
		return last_status;
	}
	if (argc > 1) {
		int fd = open(argv[1], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			sh_error("%s: %s", argv[1], strerror(errno));
			return 127;
		}
		run_fd(fd);
		close(fd);
		return last_status;
	}
	interactive = isatty(0);
	if (interactive)
		init_interactive();
	run_fd(0);
	return last_status;
}
