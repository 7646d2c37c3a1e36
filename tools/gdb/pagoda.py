"""pagoda.py - gdb commands that show a stopped Pagoda kernel's memory
manager: page tables, VMAs, the reverse map, struct page, and tasks.

tools/gdbinit sources this file; so can any gdb that has the kernel's ELF
loaded (`source tools/gdb/pagoda.py`). The commands:

  pagoda-ps                 every task: pid, tgid, ppid, state, CPU, mm, comm
  pagoda-pt ADDR [PID]      walk the 4 paging levels for ADDR, entry by entry
  pagoda-vmas [PID]         an mm's VMAs in address order
  pagoda-page PFN           the struct page of a frame, fields decoded
  pagoda-rmap PFN           who maps a frame: (pid, VMA, address) per mapping

ADDR, PID and PFN are gdb expressions (0x1000, 42, $rip, my_ptr ...).
Without PID, pagoda-pt and pagoda-vmas use the mm of the task running on
gdb's selected CPU (`thread N` selects CPU N-1); pagoda-pt walks the
kernel's own tables (kernel_pgt) for a kernel address.

How it reads the kernel. Every struct is read through gdb's view of the
kernel's debug information (gdb.lookup_type, gdb.parse_and_eval), so the
commands follow the real layouts: a field added to struct page or struct
vma moves nothing here. What debug information cannot give are the
kernel's #defines (it is built with -g, not -g3): the x86 page-table bits,
DIRECT_MAP_BASE, VM_* and TASK_* are spelled below, each next to the
header it comes from. Physical memory (page tables) is read through the
kernel's direct map, DIRECT_MAP_BASE + phys, which every address space
maps (arch/x86_64/include/arch/memlayout.h) - gdb itself reads virtual
addresses only, through the CR3 of the stopped CPU.

The kernel is stopped, not quiet: a CPU may have been halted in the middle
of changing a list or a tree. Walks are therefore bounded (MAX_WALK) and a
read that faults is reported as an error, never followed blindly. No lock
is taken (none can be: the kernel is not running).

Data structures followed (see the files named for the real rules):
  tasks        all_tasks list via task.all_node (kernel/task.h, kernel/proc.c);
               each CPU's idle task is cpus[i].current when idle (kernel/sched.c)
  page tables  mm->pgt.root / kernel_pgt.root, physical (arch/pgtable.h)
  VMAs         mm->vmas.root: a red-black tree by address (mm/vma.h)
  frames       memmap[pfn], pfn < max_pfn (mm/page_alloc.h, mm/page.h)
  rmap         page->mapping: anon_vma | PAGE_MAPPING_ANON, whose interval
               tree rb_root holds anon_vma_chains (avc.rb); or the inode,
               whose i_mmap holds VMAs (vma.shared_rb) (mm/rmap.h, mm/rmap.c)
"""

import gdb

# ---------------------------------------------------------------------------
# Constants the debug information does not carry (#defines)
# ---------------------------------------------------------------------------

# arch/x86_64/include/arch/memlayout.h
DIRECT_MAP_BASE = 0xffff888000000000
PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT

# arch/x86_64/include/arch/pgtable.h: the bits of every paging entry. Bit 7
# is PS (a huge page) in a PDPT or PD entry, but PAT in a 4 KiB PTE.
PTE_BITS = (
    (0, "P"), (1, "W"), (2, "U"), (3, "PWT"), (4, "PCD"), (5, "A"), (6, "D"),
    (7, "PS"), (8, "G"), (63, "NX"),
)
PTE_PRESENT = 1 << 0
PTE_HUGE = 1 << 7
PTE_PROTNONE = 1 << 9          # software: a PROT_NONE page, frame kept
PTE_SWAP = 1 << 10             # software: a swap entry (mm/swap.h)
PTE_SOFT_DIRTY = 1 << 11       # software: soft-dirty
PTE_ADDR_MASK = 0x000ffffffffff000
# The four levels, top down: (name, shift of the index, size a leaf maps).
LEVELS = (("PML4", 39, None), ("PDPT", 30, 1 << 30), ("PD", 21, 1 << 21),
          ("PT", 12, 1 << 12))

# mm/vma.h: vm_flags (Linux's values).
VM_READ, VM_WRITE, VM_EXEC, VM_SHARED = 0x1, 0x2, 0x4, 0x8
VM_MAYSHARE = 0x80
VM_EXTRA = ((0x100, "growsdown"), (0x400, "pfnmap"), (0x2000, "locked"), (0x4000, "io"),
            (0x20000, "dontcopy"), (0x80000, "lockonfault"), (0x100000, "account"),
            (0x200000, "noreserve"), (0x4000000, "dontdump"), (0x8000000, "softdirty"),
            (1 << 63, "sealed"))

# mm/rmap.h
PAGE_MAPPING_ANON = 0x1

# kernel/wait.h and kernel/task.h: task->state; the letters are
# task_state_char()'s in kernel/fs/proc_show.c (what /proc/PID/stat shows).
TASK_STATE_LETTERS = {0: "R", 1: "S", 2: "D", 3: "Z", 5: "T", 6: "t"}

MAX_WALK = 100000       # most nodes any list or tree walk follows


class PagodaError(gdb.GdbError):
    """A user-facing error: gdb prints the message, no Python traceback."""


class PagodaCommand(gdb.Command):
    """A command whose run(arg) may fail reading memory: that is an error
    message too (a stale pointer, or a structure caught mid-update)."""

    def invoke(self, arg, from_tty):
        try:
            self.run(arg)
        except gdb.MemoryError as e:
            raise PagodaError(f"{e} (a stale pointer, or the kernel stopped in the "
                              "middle of changing this structure?)")


# ---------------------------------------------------------------------------
# Reading the kernel
# ---------------------------------------------------------------------------

def lookup_type(name):
    try:
        return gdb.lookup_type(name)
    except gdb.error:
        raise PagodaError(f"no type '{name}' in the symbols: is the kernel ELF "
                          "(build/pagoda.elf) loaded? (file build/pagoda.elf)")


def sym(expr):
    """The value of a kernel expression (a global, &global ...)."""
    try:
        return gdb.parse_and_eval(expr)
    except gdb.error as e:
        raise PagodaError(f"cannot evaluate '{expr}': {e} (is the kernel ELF loaded?)")


def u64(v):
    """An integer or gdb.Value (pointer or integer) as an unsigned 64-bit int."""
    return int(v) & 0xffffffffffffffff


def read_u64(addr):
    """8 bytes of kernel virtual memory at @addr, little endian."""
    try:
        data = gdb.selected_inferior().read_memory(addr, 8)
    except gdb.MemoryError:
        raise PagodaError(f"cannot read memory at {addr:#x}")
    return int.from_bytes(bytes(data), "little")


def read_phys_u64(pa):
    """8 bytes of physical memory, through the direct map."""
    return read_u64(DIRECT_MAP_BASE + pa)


def field_offset(type_, name):
    """Byte offset of member @name ("a" or "a.b") of struct @type_."""
    off = 0
    for part in name.split("."):
        t = type_.strip_typedefs()
        for f in t.fields():
            if f.name == part:
                off += f.bitpos // 8
                type_ = f.type
                break
        else:
            raise PagodaError(f"{t} has no member '{part}': the kernel and this "
                              "script disagree")
    return off


def container_of(ptr, type_name, member):
    """The struct @type_name whose @member is at address @ptr (a dereferenced Value)."""
    t = lookup_type(type_name)
    addr = u64(ptr) - field_offset(t, member)
    return gdb.Value(addr).cast(t.pointer()).dereference()


def list_entries(head_addr, type_name, member):
    """The structs on the list whose head (struct list_head) is at @head_addr."""
    lh = lookup_type("struct list_head").pointer()
    node = gdb.Value(head_addr).cast(lh)["next"]
    for _ in range(MAX_WALK):
        if u64(node) == head_addr:
            return
        if u64(node) == 0:
            raise PagodaError(f"list at {head_addr:#x} has a NULL link (caught mid-update?)")
        yield container_of(node, type_name, member)
        node = node["next"]
    raise PagodaError(f"list at {head_addr:#x} does not end after {MAX_WALK} entries")


def rb_inorder(root_node):
    """The struct rb_node pointers of a red-black tree, in order (left to right)."""
    stack, node, seen = [], root_node, 0
    while stack or u64(node):
        while u64(node):
            stack.append(node)
            node = node["rb_left"]
            seen += 1
            if seen > MAX_WALK:
                raise PagodaError("tree has more than MAX_WALK nodes (caught mid-update?)")
        node = stack.pop()
        yield node
        node = node["rb_right"]


def interval_tree_overlapping(root, index):
    """The interval_tree_node pointers of @root (struct interval_tree_root)
    whose [start, last] contains @index, in order of start. The walk prunes
    as kernel/lib/interval_tree.c does: a subtree whose subtree_last is
    below @index holds nothing, and nothing right of a node with start
    above @index can either."""
    itn = lookup_type("struct interval_tree_node")
    off = field_offset(itn, "rb")
    out, budget = [], [MAX_WALK]

    def node_of(rb):
        return gdb.Value(u64(rb) - off).cast(itn.pointer())

    def visit(rb):
        if not u64(rb):
            return
        budget[0] -= 1
        if budget[0] < 0:
            raise PagodaError("interval tree has more than MAX_WALK nodes")
        n = node_of(rb)
        if u64(n["subtree_last"]) < index:
            return
        visit(rb["rb_left"])
        if u64(n["start"]) <= index <= u64(n["last"]):
            out.append(n)
        if u64(n["start"]) <= index:
            visit(rb["rb_right"])

    visit(root["root"]["node"])
    return out


def cstring(v, limit=256):
    """A char array or char * as a Python string (up to its NUL, at most
    @limit bytes; "?" if unreadable)."""
    t = v.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_ARRAY:
        addr, limit = u64(v.address), min(limit, t.sizeof)
    else:
        addr = u64(v)
    out = b""
    try:
        while len(out) < limit:
            # never read across a page boundary past the NUL
            n = min(limit - len(out), PAGE_SIZE - (addr + len(out)) % PAGE_SIZE)
            chunk = bytes(gdb.selected_inferior().read_memory(addr + len(out), n))
            if b"\0" in chunk:
                out += chunk[:chunk.index(b"\0")]
                break
            out += chunk
    except gdb.MemoryError:
        return "?"
    return out.decode("utf-8", "replace")


def comm(task):
    return cstring(task["comm"])


def parse_int(arg, what):
    """A command argument (a gdb expression) as an int; a clear error if not."""
    try:
        v = gdb.parse_and_eval(arg)
        if v.type.strip_typedefs().code in (gdb.TYPE_CODE_FUNC, gdb.TYPE_CODE_ARRAY):
            v = v.address               # a function or an array names its address
        return int(v)
    except (gdb.error, ValueError) as e:
        raise PagodaError(f"{what} '{arg}' is not a number or expression: {e}")


def split_args(arg, usage, lo, hi):
    args = gdb.string_to_argv(arg)
    if not lo <= len(args) <= hi:
        raise PagodaError("usage: " + usage)
    return args


# ---------------------------------------------------------------------------
# Tasks and address spaces
# ---------------------------------------------------------------------------

def all_tasks():
    """Every task on the task list (not the per-CPU idle tasks)."""
    return list_entries(u64(sym("&all_tasks")), "struct task", "all_node")


def cpu_count():
    return int(sym("nr_cpus"))


def cpu_current(i):
    """The struct task running on cpus[i] (a Value), or None."""
    cur = sym("cpus")[i]["current"]
    if not u64(cur):
        return None
    return cur.cast(lookup_type("struct task").pointer()).dereference()


def selected_cpu():
    """Index into cpus[] of the CPU gdb has selected. Found from its GS base,
    which points at its struct cpu in the kernel (arch/percpu.h) - or, in
    user mode (after swapgs), from KERNEL_GS_BASE."""
    base = u64(sym("&cpus"))
    size = lookup_type("struct cpu").sizeof
    n = cpu_count()
    for reg in ("gs_base", "k_gs_base"):
        try:
            gs = u64(gdb.selected_frame().read_register(reg))
        except (gdb.error, ValueError):
            continue
        if base <= gs < base + n * size and (gs - base) % size == 0:
            return (gs - base) // size
    if n == 1:
        return 0
    raise PagodaError("cannot tell which CPU gdb has selected (no kernel GS base): "
                      "give a PID")


def current_task():
    t = cpu_current(selected_cpu())
    if t is None:
        raise PagodaError("the selected CPU runs no task yet: give a PID")
    return t


def find_task(pid):
    for t in all_tasks():
        if int(t["pid"]) == pid:
            return t
    raise PagodaError(f"no such pid: {pid} (pagoda-ps lists the tasks)")


def task_mm(task):
    mm = task["mm"]
    if not u64(mm):
        raise PagodaError(f"pid {int(task['pid'])} ({comm(task)}) has no address space "
                          "(a kernel thread, an idle task or an exited one)")
    return mm.dereference()


def mm_for(pid_arg):
    """(mm, description) for a PID argument, or the current task's when None."""
    if pid_arg is None:
        t = current_task()
        who = f"current task, pid {int(t['pid'])} ({comm(t)})"
        if not u64(t["mm"]):
            raise PagodaError(f"the {who} has no address space: give a PID "
                              "(pagoda-ps lists them)")
    else:
        t = find_task(parse_int(pid_arg, "PID"))
        who = f"pid {int(t['pid'])} ({comm(t)})"
    return task_mm(t), who


def mm_users(mm_addr):
    """Tasks using the mm at @mm_addr, one per process: (pid, comm) pairs."""
    out = []
    for t in all_tasks():
        if u64(t["mm"]) == mm_addr:
            # threads of one process: name the process (its tgid) once
            entry = (int(t["tgid"]), comm(t))
            if entry not in out:
                out.append(entry)
    return out


def describe_users(mm_addr):
    users = mm_users(mm_addr)
    if not users:
        return "pid - (no task uses this mm now)"
    return ", ".join(f"pid {p} ({c})" for p, c in users)


# ---------------------------------------------------------------------------
# Page tables
# ---------------------------------------------------------------------------

def canonical(addr):
    """Bits 63..47 all equal: the only addresses x86-64 translates."""
    top = addr >> 47
    return top == 0 or top == (1 << 17) - 1


def pte_flags(e, level):
    names = []
    for bit, name in PTE_BITS:
        if e & (1 << bit):
            names.append("PAT" if (bit == 7 and level == "PT") else name)
    if level == "PT":
        for mask, name in ((PTE_PROTNONE, "protnone"), (PTE_SWAP, "swap"),
                           (PTE_SOFT_DIRTY, "softdirty")):
            if e & mask:
                names.append(name)
    return " ".join(names) or "-"


def walk(root_pa, va):
    """The walk of @va from the PML4 at @root_pa: a list of steps, each a dict
    (level, index, table, slot, entry), and the leaf (pa, size) or None."""
    steps, table = [], root_pa
    for name, shift, leaf_size in LEVELS:
        idx = (va >> shift) & 511
        slot = table + idx * 8
        e = read_phys_u64(slot)
        steps.append(dict(level=name, index=idx, table=table, slot=slot, entry=e))
        if not e & PTE_PRESENT:
            return steps, None
        if name == "PT" or (leaf_size and e & PTE_HUGE):
            size = leaf_size
            base = e & PTE_ADDR_MASK & ~(size - 1)
            return steps, (base + (va & (size - 1)), size)
        table = e & PTE_ADDR_MASK
    return steps, None


def translate(root_pa, va):
    """The physical address @va maps to in the tree at @root_pa, or None."""
    _, leaf = walk(root_pa, va)
    return leaf[0] if leaf else None


def size_name(size):
    return {1 << 12: "4 KiB", 1 << 21: "2 MiB", 1 << 30: "1 GiB"}[size]


class PagodaPt(PagodaCommand):
    """Walk the page tables for a virtual address: pagoda-pt ADDR [PID]

Prints one line per paging level (PML4, PDPT, PD, PT): the index ADDR
selects, the physical address of the entry, its raw value, the physical
address it points to, and its flags (P W U PWT PCD A D PS G NX; at the PT
level bit 7 is PAT, and Pagoda's software bits protnone/swap/softdirty are
shown). Stops at a not-present entry or a huge page (PS), then prints the
physical address ADDR maps to.

PID selects a process's page tables; without it: the kernel's own
(kernel_pgt) for a kernel address, else those of the task running on the
CPU gdb has selected."""

    def __init__(self):
        super().__init__("pagoda-pt", gdb.COMMAND_DATA)

    def run(self, arg):
        args = split_args(arg, "pagoda-pt ADDR [PID]", 1, 2)
        va = u64(parse_int(args[0], "ADDR"))
        if not canonical(va):
            raise PagodaError(f"{va:#x} is not canonical: bits 63..47 must all be "
                              "equal (user below 0x800000000000, kernel from "
                              "0xffff800000000000)")
        if len(args) == 1 and va >> 63:
            root = u64(sym("kernel_pgt.root"))
            who = "kernel_pgt (the kernel's tables; every pgd shares its upper half)"
            if root == 0:               # early boot: still the boot page tables
                root = u64(gdb.selected_frame().read_register("cr3")) & PTE_ADDR_MASK
                who = "CR3 (kernel_pgt is not set up yet: the boot page tables)"
        else:
            mm, who = mm_for(args[1] if len(args) == 2 else None)
            root = u64(mm["pgt"]["root"])
            who += f", mm {u64(mm.address):#x}"
        print(f"VA {va:#018x} in {who}")
        print(f"pgd (PML4) at phys {root:#x}")
        steps, leaf = walk(root, va)
        for s in steps:
            e = s["entry"]
            line = (f"  {s['level']:<4} [{s['index']:3d}] entry @ phys {s['slot']:#x}: "
                    f"{e:#018x}")
            if e & PTE_PRESENT:
                line += f" -> phys {e & PTE_ADDR_MASK:#x}  {pte_flags(e, s['level'])}"
            print(line)
        last = steps[-1]
        e = last["entry"]
        if leaf is None:
            why = "not present"
            if last["level"] == "PT" and e & PTE_SWAP:
                why += f": swap entry {(e & PTE_ADDR_MASK) >> PAGE_SHIFT:#x}"
            elif last["level"] == "PT" and e & PTE_PROTNONE:
                why += (f": PROT_NONE, frame {e & PTE_ADDR_MASK:#x} kept "
                        f"({pte_flags(e, 'PT')})")
            elif e == 0:
                why += " (empty entry)"
            print(f"=> {va:#x} is not mapped: {last['level']} entry {why}")
            return
        pa, size = leaf
        kind = "huge page at " + last["level"] if last["level"] != "PT" else "page"
        print(f"=> {va:#x} -> phys {pa:#x} (pfn {pa >> PAGE_SHIFT:#x}, "
              f"{size_name(size)} {kind})")


# ---------------------------------------------------------------------------
# VMAs
# ---------------------------------------------------------------------------

def dentry_path(d):
    """The path of a dentry, as kernel/fs/dcache.c dentry_path() builds it."""
    root = u64(sym("vfs_root"))
    try:
        flags = {f.name: f.enumval for f in lookup_type("enum dentry_flags").fields()}
        named = flags["D_LINKED"] | flags["D_DYNAMIC"]
    except (PagodaError, KeyError):
        named = None
    parts, deleted = [], False
    for _ in range(256):
        if u64(d.address) == root:
            break
        sb = d["sb"].dereference()
        if u64(d.address) == u64(sb["root"]):
            if not u64(sb["mnt"]):
                break
            d = sb["mnt"]["mountpoint"].dereference()
            continue
        if named is not None and not int(d["flags"]) & named:
            deleted = True
        parts.append(cstring(d["name"]))
        d = d["parent"].dereference()
    path = "/" + "/".join(reversed(parts))
    return path + (" (deleted)" if deleted else "")


def vma_name(mm, v):
    """What /proc/PID/maps shows last (kernel/fs/proc_vm.c vma_name())."""
    f = v["file"]
    if u64(f):
        d = f["dentry"]
        if u64(d):
            try:
                return "file " + dentry_path(d.dereference())
            except (gdb.error, gdb.MemoryError, PagodaError):
                return f"file {u64(f):#x} (path unreadable)"
        return f"file {u64(f):#x} (no path)"
    ops = v["ops"]
    if u64(ops) and u64(ops["name"]):
        return "anon " + cstring(ops["name"])
    if u64(v["start"]) <= u64(mm["brk"]) and u64(v["end"]) >= u64(mm["start_brk"]):
        return "anon [heap]"
    if u64(v["start"]) <= u64(mm["start_stack"]) <= u64(v["end"]):
        return "anon [stack]"
    return "anon"


def vma_perms(flags):
    return ("r" if flags & VM_READ else "-") + ("w" if flags & VM_WRITE else "-") + \
           ("x" if flags & VM_EXEC else "-") + ("s" if flags & VM_MAYSHARE else "p")


def mm_vmas(mm):
    """The VMAs of @mm (struct mm Value), in address order."""
    for rb in rb_inorder(mm["vmas"]["root"]["node"]):
        yield container_of(rb, "struct vma", "rb")


class PagodaVmas(PagodaCommand):
    """List an address space's VMAs in address order: pagoda-vmas [PID]

One line per VMA of the mm's tree (mm->vmas, a red-black tree by
address): [start, end), permissions as /proc/PID/maps shows them (rwx and
s for shared, p for private), further VM_* flags, pgoff (the page offset:
in the file, or start >> 12 for anonymous memory), the anon_vma (where
new anonymous pages of the VMA go; 0 until the first one), and the
backing: a file's path, or anon ([heap], [stack]).

Without PID: the mm of the task running on the CPU gdb has selected."""

    def __init__(self):
        super().__init__("pagoda-vmas", gdb.COMMAND_DATA)

    def run(self, arg):
        args = split_args(arg, "pagoda-vmas [PID]", 0, 1)
        mm, who = mm_for(args[0] if args else None)
        count = int(mm["vmas"]["count"])
        print(f"VMAs of {who}: mm {u64(mm.address):#x}, pgd phys {u64(mm['pgt']['root']):#x}, "
              f"{count} VMAs")
        print(f"  {'start':>18}-{'end':<18} perm {'pgoff':>12} {'anon_vma':>18}  "
              "backing [flags] vma")
        n = 0
        for v in mm_vmas(mm):
            n += 1
            flags = u64(v["flags"])
            extra = [name for bit, name in VM_EXTRA if flags & bit]
            print(f"  {u64(v['start']):#018x}-{u64(v['end']):#018x} {vma_perms(flags)} "
                  f"{u64(v['pgoff']):#12x} {u64(v['anon_vma']):#18x}  {vma_name(mm, v)}"
                  + (f" [{' '.join(extra)}]" if extra else "") + f" vma {u64(v.address):#x}")
        if n != count:
            print(f"  (the tree holds {n} VMAs, mm->vmas.count says {count}: "
                  "caught in the middle of a change?)")


# ---------------------------------------------------------------------------
# Frames: struct page and the reverse map
# ---------------------------------------------------------------------------

def page_of(pfn_arg):
    """(pfn, struct page Value) for a PFN argument; an error when out of range."""
    pfn = parse_int(pfn_arg, "PFN")
    max_pfn = int(sym("max_pfn"))
    if max_pfn == 0:
        raise PagodaError("no memmap yet (max_pfn = 0): page_alloc_init() has not run")
    if not 0 <= pfn < max_pfn:
        raise PagodaError(f"pfn {pfn:#x} out of range: the memmap covers pfns 0 .. "
                          f"{max_pfn - 1:#x} (max_pfn = {max_pfn:#x})")
    return pfn, sym("memmap")[pfn]


def page_flag_names(flags):
    names = []
    for f in lookup_type("enum page_flag_bits").fields():
        if flags & (1 << f.enumval):
            names.append(f.name[3:] if f.name.startswith("PG_") else f.name)
    return names


def page_kind(page):
    """anon / file / zero / slab / free / reserved / other, from the fields."""
    names = page_flag_names(u64(page["flags"]))
    mapping = u64(page["mapping"])
    if u64(sym("zero_page")) == u64(page.address):
        return "zero"
    if "slab" in names:
        return "slab"
    if "buddy" in names or "pcp" in names:
        return "free"
    if "reserved" in names:
        return "reserved"
    if mapping & PAGE_MAPPING_ANON:
        return "anon"
    if mapping:
        return "file"
    return "other"


class PagodaPage(PagodaCommand):
    """Show the struct page of a physical frame: pagoda-page PFN

Its address in the memmap, flags decoded by name (enum page_flag_bits),
refcount, mapcount, mapping (an anon_vma tagged with bit 0 for anonymous
pages, the inode for file pages), index, the lru links, private, and for a
slab frame its cache and objects; for a free buddy block its order."""

    def __init__(self):
        super().__init__("pagoda-page", gdb.COMMAND_DATA)

    def run(self, arg):
        if not arg.strip():
            raise PagodaError("usage: pagoda-page PFN")
        pfn, p = page_of(arg.strip())
        flags = u64(p["flags"])
        kind = page_kind(p)
        mapping = u64(p["mapping"])
        print(f"pfn {pfn:#x} (phys {pfn << PAGE_SHIFT:#x}): struct page {u64(p.address):#x}, "
              f"{kind}")
        print(f"  flags     {flags:#x} {' '.join(page_flag_names(flags)) or '(none)'}")
        print(f"  refcount  {int(p['refcount'])}")
        print(f"  mapcount  {int(p['mapcount'])}")
        if kind == "slab":
            print(f"  mapping   {mapping:#x} (the slab's first struct page)")
        elif mapping & PAGE_MAPPING_ANON:
            print(f"  mapping   {mapping:#x} (anon_vma {mapping & ~PAGE_MAPPING_ANON:#x} "
                  "| PAGE_MAPPING_ANON)")
        elif mapping:
            inode = gdb.Value(mapping).cast(lookup_type("struct inode").pointer())
            print(f"  mapping   {mapping:#x} (inode, ino {int(inode['ino'])})")
        else:
            print("  mapping   0x0")
        print(f"  index     {u64(p['index']):#x}")
        print(f"  lru       next {u64(p['lru']['next']):#x} prev {u64(p['lru']['prev']):#x}")
        print(f"  private   {u64(p['private']):#x}")
        if kind == "slab":
            cache = p["slab_cache"]
            head = p["mapping"].cast(lookup_type("struct page").pointer()).dereference()
            head_pfn = (u64(head.address) - u64(sym("memmap"))) // p.type.sizeof
            print(f"  slab      cache {u64(cache):#x} \"{cstring(cache['name'])}\", object_size "
                  f"{int(cache['object_size'])}, stride {int(cache['size'])}, "
                  f"{int(cache['objs_per_slab'])} objects per slab of {1 << int(cache['order'])}"
                  f" frames")
            print(f"  slab head pfn {head_pfn:#x}: inuse {int(head['inuse'])}, freelist "
                  f"{u64(head['freelist']):#x}")
        elif kind == "free" and "buddy" in page_flag_names(flags):
            print(f"  buddy     order {int(p['order'])} ({1 << int(p['order'])} frames free)")
        elif kind in ("anon", "file"):
            print(f"  pincount  {int(p['pincount'])}")
        if "head" in page_flag_names(flags):
            print(f"  kmalloc   order {int(p['order'])}")


def rmap_candidates(page):
    """The (vma, address) pairs the reverse map names for @page, and a line
    saying where they came from. As mm/rmap.c rmap_walk(): an anonymous
    page's anon_vma interval tree holds anon_vma_chains, a file page's
    inode->i_mmap holds VMAs, both keyed by page offset (page->index)."""
    mapping = u64(page["mapping"])
    index = u64(page["index"])
    out = []
    if mapping & PAGE_MAPPING_ANON:
        av = gdb.Value(mapping & ~PAGE_MAPPING_ANON).cast(
            lookup_type("struct anon_vma").pointer()).dereference()
        src = (f"anon_vma {u64(av.address):#x} (root {u64(av['root']):#x}), "
               f"{int(av['rb_root']['count'])} anon_vma_chains in its tree, index {index:#x}")
        for n in interval_tree_overlapping(av["rb_root"], index):
            avc = container_of(n, "struct anon_vma_chain", "rb")
            out.append(avc["vma"].dereference())
    else:
        inode = gdb.Value(mapping).cast(lookup_type("struct inode").pointer()).dereference()
        src = (f"inode {mapping:#x} (ino {int(inode['ino'])}), {int(inode['i_mmap']['count'])}"
               f" VMAs in its i_mmap, index {index:#x}")
        for n in interval_tree_overlapping(inode["i_mmap"], index):
            out.append(container_of(n, "struct vma", "shared_rb"))
    pairs = []
    for v in out:
        addr = u64(v["start"]) + ((index - u64(v["pgoff"])) << PAGE_SHIFT)
        pairs.append((v, addr))
    return src, pairs


class PagodaRmap(PagodaCommand):
    """Who maps a physical frame: pagoda-rmap PFN

Follows the reverse map as mm/rmap.c does: an anonymous page's mapping is
its anon_vma, whose interval tree holds one anon_vma_chain per VMA that
may map the page; a file page's mapping is its inode, whose i_mmap tree
holds the VMAs mapping the file. Both are keyed by page offset: the VMAs
whose [pgoff, pgoff + pages - 1] contain page->index, at address
vma->start + ((index - pgoff) << 12). Each candidate's page tables are
walked to check that the address really maps this frame (after a
copy-on-write break, a VMA of the tree maps a copy instead).

Prints one line per mapping: pid (every process using that mm), the VMA's
range, and the virtual address."""

    def __init__(self):
        super().__init__("pagoda-rmap", gdb.COMMAND_DATA)

    def run(self, arg):
        if not arg.strip():
            raise PagodaError("usage: pagoda-rmap PFN")
        pfn, p = page_of(arg.strip())
        kind = page_kind(p)
        print(f"pfn {pfn:#x}: {kind} page, mapcount {int(p['mapcount'])}, "
              f"refcount {int(p['refcount'])}")
        if kind == "zero":
            print("  no reverse map: the shared zero page backs reads of untouched "
                  "anonymous memory everywhere, uncounted")
            return
        if kind not in ("anon", "file"):
            print(f"  no reverse map: a {kind} frame is neither anonymous nor a file's, "
                  "so no user PTE maps it")
            return
        src, pairs = rmap_candidates(p)
        print(f"  {src}")
        found = 0
        for v, addr in pairs:
            mm = v["mm"].dereference()
            pa = translate(u64(mm["pgt"]["root"]), addr)
            rng = f"vma {u64(v['start']):#x}-{u64(v['end']):#x}"
            if pa is not None and pa >> PAGE_SHIFT == pfn:
                found += 1
                print(f"  {describe_users(u64(mm.address))} {rng} addr {addr:#x}")
            else:
                now = f"maps pfn {pa >> PAGE_SHIFT:#x} there" if pa is not None else \
                    "maps nothing there"
                print(f"  (not mapped: {describe_users(u64(mm.address))} {rng} addr "
                      f"{addr:#x} {now})")
        print(f"  mappings found: {found} (mapcount {int(p['mapcount'])})")


# ---------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------

def state_letter(task):
    return TASK_STATE_LETTERS.get(int(task["state"]), "X")


class PagodaPs(PagodaCommand):
    """List the tasks: pagoda-ps

One line per task on the task list (kernel/proc.c all_tasks), and the idle
task of each CPU that runs one: pid, tgid, parent's tgid, state as
/proc/PID/stat shows it (R running or runnable, S sleeping, D
uninterruptible, T stopped, t traced, Z zombie), the CPU it last ran on
(with * when it is running there now), its mm (- for a kernel thread) and
its name."""

    def __init__(self):
        super().__init__("pagoda-ps", gdb.COMMAND_DATA)

    def run(self, arg):
        split_args(arg, "pagoda-ps", 0, 0)
        n = cpu_count()
        running = {}
        for i in range(n):
            t = cpu_current(i)
            if t is not None:
                running[u64(t.address)] = i
        print(f"{'PID':>5} {'TGID':>5} {'PPID':>5} S {'CPU':>4} {'MM':>18}  COMM")
        listed = set()

        def show(t):
            addr = u64(t.address)
            leader = t["group_leader"]
            parent = leader["parent"] if u64(leader) else gdb.Value(0)
            ppid = int(parent["tgid"]) if u64(parent) else 0
            cpu = f"{int(t['cpu'])}{'*' if addr in running else ' '}"
            mm = f"{u64(t['mm']):#x}" if u64(t["mm"]) else "-"
            kind = " [kthread]" if bool(t["kthread"]) else ""
            print(f"{int(t['pid']):5d} {int(t['tgid']):5d} {ppid:5d} {state_letter(t)} "
                  f"{cpu:>4} {mm:>18}  {comm(t)}{kind}")

        for t in all_tasks():
            listed.add(u64(t.address))
            show(t)
        for addr, i in sorted(running.items(), key=lambda x: x[1]):
            if addr not in listed:          # an idle task (kernel/sched.c idle_tasks)
                show(gdb.Value(addr).cast(lookup_type("struct task").pointer()).dereference())
        print(f"({n} CPU{'s' if n != 1 else ''}; * = running there now)")


PagodaPt()
PagodaVmas()
PagodaPage()
PagodaRmap()
PagodaPs()
