"""All disk I/O of the project: reading digests, storing them, writing pages and sites.

This is the only module that writes, moves, makes or deletes files. Every write is
atomic (a temporary file renamed over the target), every path is checked to stay inside
its root, and generated pages are rewritten only when their bytes change, so unchanged
pages keep their modification times.

Which folders of docs_dir the generated pages own is the page registry's to say
(pages.generated_folders()); the functions that prune or link them are told.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from importlib.resources.abc import Traversable
from pathlib import Path

import orjson
import yaml

from generator.errors import ProjectError
from generator.parallel import Fresh


class UnsafePath(ValueError):
    pass


def inside(root: Path, relative: str) -> Path:
    """root/relative, refused unless it resolves inside root (with a separator check:
    a plain prefix test would let /out-evil pass for /out)."""
    root = root.resolve()
    target = (root / relative).resolve()
    if target != root and not str(target).startswith(str(root) + os.sep):
        raise UnsafePath(f"refusing to write outside {root}: {relative}")
    return target


def _below(root: Path, relative: str) -> Path:
    """root/relative for a name made by the generator, refused if it could leave root
    (absolute, `..`, empty parts). Checked by its text, not resolved: resolving costs a
    system call per folder level, tens of thousands of times per build; writes replace
    the final name (os.replace), so a symbolic link there is replaced, not followed."""
    return root.joinpath(*_check(root, relative))


def _check(root: Path, relative: str) -> list[str]:
    """The parts of a relative path that stays below root, or UnsafePath (see _below)."""
    parts = relative.split("/")
    if relative.startswith("/") or any(p in ("", ".", "..") or os.sep in p for p in parts):
        raise UnsafePath(f"refusing to write outside {root}: {relative}")
    return parts


def atomic_write(path: Path, data: bytes, make_parent: bool = True) -> None:
    """Write data to a temporary file beside path, then rename it over path: readers see
    the old file or the new one, never half of one."""
    if make_parent:
        path.parent.mkdir(parents=True, exist_ok=True)
    # The process id makes the name unique among concurrent writers; O_EXCL refuses a
    # leftover. Created with mode 0666 less the umask, the usual permissions.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:  # left by a process that died mid-write
        tmp.unlink()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def make_dirs(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)


# --- digests ----------------------------------------------------------------------------


def list_digests(digests_dir: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The digest files of digests_dir: those with one of the formats' extensions."""
    if not digests_dir.is_dir():
        return []
    return sorted(p for p in digests_dir.iterdir()
                  if p.is_file() and p.suffix.lower() in suffixes
                  and not p.name.startswith("."))


def list_notes(notes_dir: Path) -> list[Path]:
    if not notes_dir.is_dir():
        return []
    return sorted(p for p in notes_dir.glob("*.md") if p.is_file())


def file_stamps(folders: list[Path], files: list[Path], skip: frozenset[str] = frozenset()
                ) -> str:
    """Every file of the folders (but their top-level entries named in `skip`, not even
    walked) and the files that exist, one line each: path, size, modification time.
    What changed without reading a byte."""
    found = []
    for folder in folders:
        if folder.is_dir():
            for top in folder.iterdir():
                if top.name not in skip:
                    found += [top] if top.is_file() else [p for p in top.rglob("*")
                                                          if p.is_file()]
    found += [p for p in files if p.is_file()]
    lines = []
    for path in sorted(found):
        info = path.stat()
        lines.append(f"{path}\0{info.st_size}\0{info.st_mtime_ns}")
    return "\n".join(lines)


def read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def store_digest(digests_dir: Path, name: str, text: str) -> Path:
    target = inside(digests_dir, name)
    atomic_write(target, text.encode("utf-8"))
    return target


def replace_digest(digests_dir: Path, name: str, text: str) -> bool:
    """Store a fetched day under its fixed name, replacing an older snapshot; False
    (and the file untouched) when it holds the same bytes already."""
    target = inside(digests_dir, name)
    data = text.encode("utf-8")
    if target.is_file() and target.read_bytes() == data:
        return False
    atomic_write(target, data)
    return True


def read_yaml(path: Path) -> object:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


# --- generated pages --------------------------------------------------------------------


class PageWriter:
    """Writes generated files into `root` as they are made, each only when it changed,
    so that a large archive's pages are never all held in memory at once; finish()
    then deletes what the `owned` folders hold that was neither made nor kept, and
    records the manifest.

    With a manifest (content hash, size and mtime of each file as last written), an
    unchanged file is recognised without reading it back. A forked worker writes
    through its copy of the writer and hands back what it wrote (taken(), add())."""

    def __init__(self, root: Path, owned: tuple[str, ...], manifest: Path | None = None):
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        self.owned = owned
        self.manifest = manifest
        self.known: dict[str, list] = (read_json(manifest) or {}) if manifest else {}
        self.record: dict[str, list] = {}  # the manifest to be, of the files made
        self.written: list[str] = []  # the files that changed, in the order written
        self._folders: set[str] = set()  # folders known to exist

    def write(self, pages: dict[str, str | bytes]) -> None:
        changed: list[tuple[str, Path, bytes, str, bool]] = []
        for relative, text in sorted(pages.items()):
            target = _below(self.root, relative)
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            digest = hashlib.sha256(data).hexdigest()
            try:
                stat = target.stat()
            except FileNotFoundError:
                changed.append((relative, target, data, digest, False))
                continue
            current = [digest, stat.st_size, stat.st_mtime_ns]
            if self.known.get(relative) == current or (
                    stat.st_size == len(data) and target.read_bytes() == data):
                self.record[relative] = current
            else:
                changed.append((relative, target, data, digest, True))
        for folder in sorted({str(target.parent) for _, target, *_ in changed}
                             - self._folders):
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        for relative, target, data, digest, there in changed:
            if there:
                # A rename over a file makes ext4 write the new one out at once (its
                # auto_da_alloc), a third of a millisecond a page; onto a free name it
                # does not. Meanwhile the page is missing, never half written, and a
                # build stopped there makes it again (the manifest no longer matches).
                target.unlink()
            atomic_write(target, data, make_parent=False)
            stat = target.stat()
            self.record[relative] = [digest, stat.st_size, stat.st_mtime_ns]
            self.written.append(relative)

    def taken(self) -> tuple[dict[str, list], list[str]]:
        """What this writer recorded and wrote, emptied (a forked worker's share)."""
        taken = self.record, self.written
        self.record, self.written = {}, []
        return taken

    def add(self, taken: tuple[dict[str, list], list[str]]) -> None:
        record, written = taken
        self.record |= record
        self.written += written

    def finish(self, made: set[str], kept: set[str] = frozenset(), walk: bool = True
               ) -> tuple[list[str], list[str]]:
        """Delete the owned files neither `made` nor `kept` (files known to be
        unchanged, see unchanged_files, that the caller did not make again), write the
        manifest; returns (the paths written, the paths deleted).

        With `walk` false, only the files of the last manifest are candidates, not every
        file of the owned folders: the caller knows that no write since the manifest
        was saved went unrecorded (a build stopped while it wrote pages, for one)."""
        self.record |= {relative: self.known[relative] for relative in kept
                        if relative in self.known and relative not in self.record}
        if walk or not self.known:
            deleted = _prune(self.root, self.owned,
                             lambda relative: relative in made or relative in kept)
        else:
            deleted = _remove_files(self.root, self.owned, [
                relative for relative in self.known
                if relative not in made and relative not in kept])
        if self.manifest:
            write_json(self.manifest, self.record)
        return self.written, deleted


def write_pages(docs_dir: Path, pages: dict[str, str | bytes], owned: tuple[str, ...],
                manifest: Path | None = None, kept: set[str] = frozenset()
                ) -> tuple[list[str], list[str]]:
    """Write generated pages (text, or UTF-8 bytes) at once (see PageWriter); returns
    (the paths written, in order, and the paths deleted)."""
    writer = PageWriter(docs_dir, owned, manifest)
    writer.write(pages)
    return writer.finish(set(pages), kept)


def unchanged_files(root: Path, manifest: Path, relatives: list[str]) -> set[str]:
    """Those of `relatives` whose file under root has the size and modification time
    the manifest recorded when write_pages wrote it (nothing has touched it since)."""
    known = read_json(manifest)
    if not isinstance(known, dict):
        return set()
    out = set()
    for relative in relatives:
        record = known.get(relative)
        if not record:
            continue
        try:
            _check(root, relative)
            stat = os.stat(f"{root}/{relative}")  # a Path each would cost more than the stat
        except (OSError, UnsafePath):
            continue
        if [stat.st_size, stat.st_mtime_ns] == record[1:]:
            out.add(relative)
    return out


# --- sites ------------------------------------------------------------------------------


SITE_SKIP = ("pagefind", "search-index.json")  # the search index: made anew each build


def copy_site(source: Path, dest: Path, linked: tuple[str, ...],
              skip: tuple[str, ...] = SITE_SKIP, unchanged_before: int | None = None) -> None:
    """Make dest a copy of a built site, keeping modification times (MkDocs' dirty build
    compares them), but not what starts with a name in `skip` (the search index, made
    anew). dest may be empty or an older copy (the spare site, `take_spare`): only what
    differs from the source is linked or copied again, and what the source no longer
    has goes.

    The generated folders (`linked`, most of the site) are hard-linked, not copied: a
    link costs about as much as a small copy here, so the spare saves the tens of
    thousands of them an archive takes, each day. The build must then never write into
    a linked file, which would change the live site too: the plugin deletes every
    output MkDocs is about to write before it does (PaperDigestPlugin.on_files).

    That is also why, where dest is the site the source's build copied (the spare:
    the site that build replaced), a linked folder of the source whose entries have
    not changed since `unchanged_before` (ns, from `spare_since`) holds what dest's
    does: every file written there is a new one, and a new entry changes its folder's
    time. Such a folder without subfolders is left as it is, unread: a stat instead of
    reading two folders, for each of an archive's paper pages."""
    with os.scandir(source) as entries:
        top = [e for e in entries if not e.name.startswith(skip)]
    there = _refresh(top, dest, link=False)  # the top level's files; its folders below
    for entry in top:
        if entry.is_dir(follow_symlinks=False):
            linked_here = entry.name in linked
            _refresh_folder(entry.path, str(dest / entry.name), linked_here,
                            entry.name in there, unchanged_before if linked_here else None)


def _refresh_folder(source: str, dest: str, link: bool, there: bool,
                    unchanged_before: int | None = None) -> None:
    """`there`: dest is a folder already (its parent's _refresh saw it). A paper's page
    is a folder of its own: tens of thousands of them, so no system call is spent
    asking again."""
    if not there:
        os.mkdir(dest)
    with os.scandir(source) as entries:
        listed = list(entries)
    folders = _refresh(listed, Path(dest), link)
    for entry in listed:
        if entry.is_dir(follow_symlinks=False):
            if entry.name in folders and _unchanged_leaf(entry, unchanged_before):
                continue
            _refresh_folder(entry.path, os.path.join(dest, entry.name), link,
                            entry.name in folders, unchanged_before)


def _unchanged_leaf(entry: os.DirEntry, before: int | None) -> bool:
    """A folder with no subfolder (a folder's link count is 2 and one per subfolder
    on ext4 and most Linux file systems; where it is not, the folder is read) whose
    entries last changed before `before`."""
    if before is None:
        return False
    stat = entry.stat(follow_symlinks=False)
    return stat.st_nlink == 2 and stat.st_mtime_ns < before


def _refresh(entries: list[os.DirEntry], dest: Path, link: bool) -> set[str]:
    """The files of one folder of the source (`entries`) into dest: hard-linked where
    `link`, copied otherwise; a file dest already has is kept when it is the same (the
    same inode, or for a copy the same size and time). What dest has that `entries`
    has not goes. Folders are refreshed by the caller: returns those dest has already
    (a file where the source has a folder goes)."""
    with os.scandir(dest) as found:
        theirs = {e.name: e for e in found}
    folders = set()
    for entry in entries:
        other = theirs.pop(entry.name, None)
        target = os.path.join(dest, entry.name)
        if entry.is_dir(follow_symlinks=False):
            if other is not None and other.is_dir(follow_symlinks=False):
                folders.add(entry.name)
            elif other is not None:
                os.unlink(target)
            continue
        if other is not None:
            if other.is_dir(follow_symlinks=False):
                shutil.rmtree(target)
            elif link and other.inode() == entry.inode():
                continue
            elif not link and _same_copy(entry, other):
                continue
            else:
                os.unlink(target)
        if link:
            os.link(entry.path, target)
        else:
            shutil.copy2(entry.path, target)
    for name in theirs:  # what the source no longer has
        remove_tree(dest / name)
    return folders


def _same_copy(entry: os.DirEntry, other: os.DirEntry) -> bool:
    mine, theirs = entry.stat(follow_symlinks=False), other.stat(follow_symlinks=False)
    return mine.st_size == theirs.st_size and mine.st_mtime_ns == theirs.st_mtime_ns


def take_spare(target: Path) -> tuple[Path, bool]:
    """A folder for a new build of target: the site the last incremental build replaced
    (swap_in with keep), renamed to a build folder (a build killed mid-way leaves it to
    remove_abandoned), or else an empty one; and whether it was the spare."""
    spare = _spare(target)
    staging = temp_dir_beside(target)
    if spare.is_dir():
        os.rmdir(staging)
        os.rename(spare, staging)
        return staging, True
    return staging, False


# The file systems' clocks run up to a tick behind time.time_ns(): a build's start is
# taken this much earlier, so no folder it changed can seem older.
CLOCK_MARGIN_NS = 2_000_000_000


def spare_since(started_ns: int) -> int:
    """What a build that started at `started_ns` (time.time_ns()) and kept the spare
    records for copy_site's `unchanged_before`: a folder of its site not changed
    since then has what the spare has."""
    return started_ns - CLOCK_MARGIN_NS


def _spare(target: Path) -> Path:
    return target.with_name(f".{target.name}-spare")


def link_tree(source: Path, dest: Path) -> None:
    """dest as a copy of source made of hard links: for files that are replaced, never
    written into (the search index's base bundle, kept in the cache, shared by sites)."""
    remove_tree(dest)
    shutil.copytree(source, dest, copy_function=_link_or_copy)


def files_outside(root: Path, owned: tuple[str, ...], top: frozenset[str]) -> list[str]:
    """The files of root (relative paths, with "/") outside its `owned` folders, other
    than the `top` files: a project's own pages and assets, beside the generated ones."""
    found = []
    start = len(str(root)) + 1
    for current, folders, names in os.walk(root, followlinks=True):
        if current == str(root):
            folders[:] = [folder for folder in folders if folder not in owned]
        prefix = current[start:].replace(os.sep, "/")
        found += [f"{prefix}/{name}" if prefix else name for name in names
                  if prefix or name not in top]
    return found


def link_files(source: Path, dest: Path, relatives: list[str]) -> None:
    """Hard-link the named files of source into dest, keeping their relative paths."""
    for relative in relatives:
        target = _below(dest, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(_below(source, relative), target)


def link_over(source: Path, dest: Path) -> None:
    """dest as a hard link to source (a copy where links cannot be made), in place of
    what dest was."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.unlink(missing_ok=True)
    _link_or_copy(source, dest)


def _link_or_copy(source, dest) -> None:
    try:
        os.link(source, dest)
    except OSError:  # another file system (a site_dir elsewhere), or links not allowed
        shutil.copy2(source, dest)


def remove_stale_outputs(site_dir: Path, sources: set[str], owned: tuple[str, ...],
                         removed: set[str] | None = None) -> int:
    """After a dirty build: delete outputs in the generated folders whose source page or
    file (`sources`, paths in docs_dir) is gone (a hidden paper, a topic page that
    shrank). `removed`: the generated files deleted since site_dir was built, where
    known; only their outputs are looked at, not every file of the site."""
    def has_source(relative: str) -> bool:
        page, _, name = relative.rpartition("/")
        if name == "index.html":
            return f"{page}.md" in sources or f"{page}/index.md" in sources
        return relative in sources

    if removed is None:
        return len(_prune(site_dir, owned, has_source))
    outputs = {f"{source.removesuffix('/index.md').removesuffix('.md')}/index.html"
               if source.endswith(".md") else source for source in removed}
    return len(_remove_files(site_dir, owned, [output for output in sorted(outputs)
                                               if not has_source(output)]))


def _prune(root: Path, owned: tuple[str, ...], keep) -> list[str]:
    """Delete the files of root's `owned` folders that keep(path relative to root, as
    text with "/") rejects, then the folders left empty; returns the files that went.

    os.walk's bottom-up order sees a folder's files before the folder, and its directory
    entries say which are files without a stat each: tens of thousands of pages are
    walked on every build."""
    removed = []
    start = len(str(root)) + 1
    for folder in owned:
        for current, _, names in os.walk(root / folder, topdown=False):
            prefix = current[start:].replace(os.sep, "/")
            left = len(names)
            for name in names:
                if not keep(f"{prefix}/{name}"):
                    os.unlink(os.path.join(current, name))
                    removed.append(f"{prefix}/{name}")
                    left -= 1
            if not left and current != str(root / folder) and not os.listdir(current):
                os.rmdir(current)
    return removed


def _remove_files(root: Path, owned: tuple[str, ...], relatives: list[str]) -> list[str]:
    """What _prune does, for the named files of root's `owned` folders alone (those
    elsewhere, or gone already, are passed over): returns the files that went."""
    removed, folders = [], set()
    for relative in relatives:
        try:
            parts = _check(root, relative)
        except UnsafePath:
            continue
        if len(parts) < 2 or parts[0] not in owned:
            continue
        try:
            os.unlink(root / relative)
        except FileNotFoundError:
            continue
        removed.append(relative)
        folders.update("/".join(parts[:i]) for i in range(2, len(parts)))
    for folder in sorted(folders, key=lambda f: -f.count("/")):  # the deepest first
        try:
            os.rmdir(root / folder)
        except OSError:  # not empty, or gone
            pass
    return removed


def keep_only(folder: Path, names: set[str]) -> int:
    """Delete what folder holds besides `names` (files or folders); how many went."""
    removed = 0
    for item in folder.iterdir() if folder.is_dir() else ():
        if item.name not in names:
            remove_tree(item)
            removed += 1
    return removed


def read_json(path: Path) -> object:
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, ValueError):  # orjson.JSONDecodeError is a ValueError
        return None


def write_json(path: Path, data: object, indent: int | None = None) -> None:
    """The build's records (the cache, the manifests) as orjson writes them: it reads
    and writes them several times faster than json, and they are megabytes at 10,000
    papers. With `indent`, a file people read (json, indented, with a newline)."""
    if indent is None:
        data = orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    else:
        data = (json.dumps(data, sort_keys=True, indent=indent, ensure_ascii=False)
                + "\n").encode("utf-8")
    atomic_write(path, data)


def temp_dir_beside(target: Path) -> Path:
    """A fresh directory on the same file system as target, so it can be renamed over it.
    Its name holds this process's id, so that remove_abandoned() can tell whether the
    process that made it still runs."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-build-{os.getpid()}-"))


def remove_abandoned(target: Path) -> int:
    """Delete the temporary directories beside target whose process is gone (a build
    killed mid-way: nothing else would ever delete them); those of a build that still
    runs are left alone. Returns how many went."""
    removed = 0
    for leftover in target.parent.glob(f".{target.name}-build-*-*"):
        pid = leftover.name[len(f".{target.name}-build-"):].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)
            removed += 1
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


@contextmanager
def exclusive(lock_file: Path, what: str, wait: bool = False):
    """Hold the lock of `lock_file` for the block: one build of a project at a time.
    Without `wait`, a lock held by another process raises ProjectError at once. The
    operating system releases the lock when its process ends, killed or not."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no lock
        yield
        return
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise ProjectError(f"another {what} of this project is running; try again "
                               "when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def swap_in(new: Path, target: Path, keep: bool = False) -> None:
    """Replace target by new with two renames. With `keep`, the old one stays beside as
    the spare the next build starts from (take_spare): new was made from it, so the two
    share all but the files this build changed. Otherwise it, and any spare, are deleted
    by a process of their own, so the build does not wait for tens of thousands of
    unlinks; a deletion cut short is finished by the next swap."""
    for leftover in target.parent.glob(f".{target.name}-old-*"):
        shutil.rmtree(leftover, ignore_errors=True)  # its deleter may still be at work
    spare = _spare(target)
    if spare.exists():  # not the one this build started from: a full build's leftover
        os.rename(spare, target.with_name(f".{target.name}-old-spare-{time.time_ns()}"))
    old = spare if keep else target.with_name(
        f".{target.name}-old-{os.getpid()}-{time.time_ns()}")
    if target.exists():
        os.rename(target, old)
    os.rename(new, target)
    for leftover in target.parent.glob(f".{target.name}-old-*"):
        remove_later(leftover)


def remove_later(path: Path) -> None:
    """Delete a folder from a detached process that outlives this one."""
    Fresh(shutil.rmtree, str(path), True, detached=True)


def move(source: Path, dest: Path) -> None:
    remove_tree(dest)
    os.rename(source, dest)


def remove_tree(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


# --- scaffolding ------------------------------------------------------------------------


def copy_tree(source: Traversable, dest: Path, rename: dict[str, str] | None = None
              ) -> list[Path]:
    """Copy a packaged folder into dest without overwriting anything that exists."""
    created = []
    for item in source.iterdir():
        if item.name == "__pycache__":
            continue
        target = dest / (rename or {}).get(item.name, item.name)
        if item.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            created += copy_tree(item, target)
        elif not target.exists():
            atomic_write(target, item.read_bytes())
            created.append(target)
    return created
