/*
 * umm's onefile launcher: one file that carries a whole program directory (the
 * Nuitka standalone build), unpacks it once into a cache directory and then
 * *replaces itself* with the real program (execv).
 *
 * Why not Nuitka's or PyInstaller's onefile mode: both keep a launcher process
 * that waits for the real program and forwards signals to it, and neither does
 * so faithfully (Nuitka turns SIGTERM into SIGINT, drops SIGUSR1, reports a
 * signal death as exit 128+N and SIGKILLs its child a grace time after Ctrl-C;
 * PyInstaller unpacks everything again on every start). After execv there is a
 * single process: signals, exit statuses, the process group and /proc are the
 * program's own, and a warm start costs one stat() on top of the program's.
 *
 * File layout (written by build/onefile/pack.py):
 *
 *   [this launcher][payload: one zlib stream][trailer: 96 bytes]
 *   trailer = "UMM-ONEFILE-v1\0\0" (16) | u64 payload offset | u64 payload size
 *             | key (64, NUL-padded: "<version>-<digest of the payload>")
 *   payload (inflated) = records, each: u8 type | u32 mode | u32 path length
 *             | u64 data length | path | data;  type 'D' dir, 'F' file,
 *             'L' symlink (data = target), 'E' end.  Little-endian.
 *
 * Unpack dir: $UMM_ONEFILE_DIR/<key> if set, else $XDG_CACHE_HOME/umm/<key>, else
 * ~/.cache/umm/<key>; when none of those can be created (read-only home, no
 * HOME), ${TMPDIR:-/tmp}/umm-<uid>/<key> (mode 0700, must be ours). A dir is
 * unpacked under a temporary name and renamed into place when complete (with
 * its ".umm-onefile-ok" marker), so concurrent first starts and killed
 * unpacks never leave a half directory under the final name; zlib's adler32
 * check catches a damaged payload.
 *
 * The program is started as <dir>/umm with the caller's argv and environment;
 * argv[0] becomes this file's absolute path, so the program knows the binary
 * the user ran (MAMBA_EXE, self-update).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#define MAGIC "UMM-ONEFILE-v1\0\0"
#define MAGIC_LEN 16
#define KEY_LEN 64
#define TRAILER_LEN (MAGIC_LEN + 8 + 8 + KEY_LEN)
#define MARKER ".umm-onefile-ok"
#define PROGRAM "umm"
#define CHUNK (256 * 1024)

static char cleanup_dir[PATH_MAX + 128];  /* a half-unpacked dir to remove on failure */
static void remove_tree(const char *path);

static void die(const char *fmt, ...) {
    va_list ap;
    if (cleanup_dir[0]) remove_tree(cleanup_dir);
    fputs("umm: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static uint64_t le64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- a reader over the inflated payload ---------------------------------- */

typedef struct {
    int fd;
    uint64_t left;          /* compressed bytes not yet read from the file */
    z_stream z;
    unsigned char in[CHUNK];
    int ended;
} Reader;

static void reader_open(Reader *r, int fd, uint64_t offset, uint64_t size) {
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->left = size;
    if (lseek(fd, (off_t)offset, SEEK_SET) < 0) die("cannot seek in the executable: %s", strerror(errno));
    if (inflateInit(&r->z) != Z_OK) die("zlib: cannot initialise");
}

/* One inflate step: more input from the file when none is left, then inflate. */
static void reader_step(Reader *r) {
    if (r->z.avail_in == 0) {
        size_t want = r->left < CHUNK ? (size_t)r->left : CHUNK;
        if (want == 0) die("damaged executable: the payload is cut short");
        ssize_t got = read(r->fd, r->in, want);
        if (got <= 0) die("cannot read the executable: %s", got < 0 ? strerror(errno) : "end of file");
        r->left -= (uint64_t)got;
        r->z.next_in = r->in;
        r->z.avail_in = (uInt)got;
    }
    int rc = inflate(&r->z, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) r->ended = 1;
    else if (rc != Z_OK && rc != Z_BUF_ERROR) die("damaged executable: %s", r->z.msg ? r->z.msg : "zlib error");
}

/* Fill exactly n bytes of dst from the inflated stream. */
static void reader_read(Reader *r, void *dst, size_t n) {
    r->z.next_out = dst;
    r->z.avail_out = (uInt)n;
    while (r->z.avail_out > 0) {
        if (r->ended) die("damaged executable: the payload ends early");
        reader_step(r);
    }
}

/* The stream must end here (which also checks its adler32): no byte more. */
static void reader_end(Reader *r) {
    unsigned char extra;
    r->z.next_out = &extra;
    r->z.avail_out = 1;
    while (!r->ended) {
        reader_step(r);
        if (r->z.avail_out == 0) die("damaged executable: trailing data in the payload");
    }
    inflateEnd(&r->z);
}

/* ---- unpacking ------------------------------------------------------------ */

static int safe_relpath(const char *p) {
    if (!*p || *p == '/') return 0;
    const char *s = p;
    while (*s) {
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 0 || (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.')) return 0;
        if (!e) break;
        s = e + 1;
    }
    return 1;
}

static void write_all(int fd, const unsigned char *buf, size_t n, const char *path) {
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            die("cannot write %s: %s", path, strerror(errno));
        }
        buf += w;
        n -= (size_t)w;
    }
}

static void unpack(int self_fd, uint64_t offset, uint64_t size, int dirfd) {
    static Reader r;
    static unsigned char buf[CHUNK];
    reader_open(&r, self_fd, offset, size);
    for (;;) {
        unsigned char head[17];
        reader_read(&r, head, sizeof head);
        char type = (char)head[0];
        uint32_t mode = le32(head + 1), plen = le32(head + 5);
        uint64_t dlen = le64(head + 9);
        if (type == 'E') break;
        if (plen == 0 || plen >= PATH_MAX) die("damaged executable: bad path length");
        char path[PATH_MAX];
        reader_read(&r, path, plen);
        path[plen] = 0;
        if (memchr(path, 0, plen) || !safe_relpath(path)) die("damaged executable: bad path '%s'", path);
        if (type == 'D') {
            if (mkdirat(dirfd, path, (mode & 07777) | 0700) < 0 && errno != EEXIST)
                die("cannot create %s: %s", path, strerror(errno));
        } else if (type == 'L') {
            char target[PATH_MAX];
            if (dlen == 0 || dlen >= PATH_MAX) die("damaged executable: bad link '%s'", path);
            reader_read(&r, target, (size_t)dlen);
            target[dlen] = 0;
            if (symlinkat(target, dirfd, path) < 0) die("cannot create %s: %s", path, strerror(errno));
        } else if (type == 'F') {
            int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode & 0777) | 0600);
            if (fd < 0) die("cannot create %s: %s", path, strerror(errno));
            while (dlen > 0) {
                size_t n = dlen < CHUNK ? (size_t)dlen : CHUNK;
                reader_read(&r, buf, n);
                write_all(fd, buf, n, path);
                dlen -= n;
            }
            if (fchmod(fd, mode & 0777) < 0 || close(fd) < 0) die("cannot write %s: %s", path, strerror(errno));
        } else {
            die("damaged executable: unknown record type %d", (int)type);
        }
    }
    reader_end(&r);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st; (void)ftw;
    if (flag == FTW_DP) rmdir(path);
    else unlink(path);
    return 0;
}

static void remove_tree(const char *path) {
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdir -p; 0 on success */
static int make_dirs(const char *path, mode_t mode) {
    char tmp[PATH_MAX];
    if (strlen(path) >= sizeof tmp) return -1;
    strcpy(tmp, path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(tmp, mode) < 0 && errno != EEXIST) return -1;
    struct stat st;
    return stat(tmp, &st) == 0 && S_ISDIR(st.st_mode) && access(tmp, W_OK | X_OK) == 0 ? 0 : -1;
}

/* A directory under $TMPDIR shared with other users: it must be ours and private. */
static int private_dir(const char *path) {
    if (mkdir(path, 0700) < 0 && errno != EEXIST) return -1;
    struct stat st;
    if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077))
        return -1;
    return 0;
}

static int is_ready(const char *dir);

/* Where to unpack: the first candidate that already holds this build, read-only or
 * not (a Docker image unpacked at build time, used by another user), else the first
 * one that can be written. 1: root/key is ready; 0: root is writable; -1: none. */
static int pick_root(char *root, size_t size, const char *key) {
    char cand[4][PATH_MAX];
    int n = 0, private_tmp = -1;
    const char *env = getenv("UMM_ONEFILE_DIR");
    if (env && *env) {
        snprintf(cand[n++], PATH_MAX, "%s", env);
    } else {
        const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        if (xdg && *xdg == '/') snprintf(cand[n++], PATH_MAX, "%s/umm", xdg);
        if (home && *home == '/') snprintf(cand[n++], PATH_MAX, "%s/.cache/umm", home);
        const char *tmp = getenv("TMPDIR");
        if (!tmp || *tmp != '/') tmp = "/tmp";
        private_tmp = n;
        snprintf(cand[n++], PATH_MAX, "%s/umm-%u", tmp, (unsigned)getuid());
    }
    char dir[PATH_MAX + KEY_LEN + 2];
    for (int i = 0; i < n; i++) {
        snprintf(dir, sizeof dir, "%s/%s", cand[i], key);
        if (is_ready(dir) && (i != private_tmp || private_dir(cand[i]) == 0)) {
            snprintf(root, size, "%s", cand[i]);
            return 1;
        }
    }
    for (int i = 0; i < n; i++) {
        int ok = i == private_tmp ? private_dir(cand[i]) : make_dirs(cand[i], 0755);
        if (ok == 0) {
            snprintf(root, size, "%s", cand[i]);
            return 0;
        }
    }
    if (env && *env) die("cannot use UMM_ONEFILE_DIR=%s: not a writable directory", env);
    return -1;
}

/* Temporary dirs of first starts that were killed (".<key>.<pid>.tmp" whose pid is gone). */
static void remove_abandoned(const char *root, const char *key) {
    DIR *d = opendir(root);
    if (!d) return;
    size_t klen = strlen(key);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (name[0] != '.' || strncmp(name + 1, key, klen) != 0 || name[1 + klen] != '.') continue;
        char *end = NULL;
        long pid = strtol(name + 2 + klen, &end, 10);
        if (pid <= 0 || !end || (strcmp(end, ".tmp") != 0 && strcmp(end, ".stale") != 0)) continue;
        if (kill((pid_t)pid, 0) == 0 || errno == EPERM) continue;  /* still unpacking */
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", root, name);
        remove_tree(path);
    }
    closedir(d);
}

static int is_ready(const char *dir) {
    char marker[PATH_MAX + KEY_LEN + 32];
    snprintf(marker, sizeof marker, "%s/" MARKER, dir);
    return access(marker, F_OK) == 0;
}

int main(int argc, char **argv) {
    (void)argc;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) die("cannot find my own executable (/proc/self/exe): %s", strerror(errno));
    self[n] = 0;

    int fd = open(self, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("cannot open %s: %s", self, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size < TRAILER_LEN) die("%s carries no program", self);
    unsigned char trailer[TRAILER_LEN];
    if (pread(fd, trailer, TRAILER_LEN, st.st_size - TRAILER_LEN) != TRAILER_LEN
        || memcmp(trailer, MAGIC, MAGIC_LEN) != 0)
        die("%s carries no program (a damaged or truncated download?)", self);
    uint64_t offset = le64(trailer + MAGIC_LEN), size = le64(trailer + MAGIC_LEN + 8);
    char key[KEY_LEN + 1];
    memcpy(key, trailer + MAGIC_LEN + 16, KEY_LEN);
    key[KEY_LEN] = 0;
    if (!safe_relpath(key) || strchr(key, '/') || offset + size + TRAILER_LEN != (uint64_t)st.st_size)
        die("%s is damaged (bad trailer)", self);

    char root[PATH_MAX], dir[PATH_MAX + KEY_LEN + 2];
    int ready = pick_root(root, sizeof root, key);
    if (ready < 0)
        die("no writable directory to unpack into (set UMM_ONEFILE_DIR or XDG_CACHE_HOME)");
    snprintf(dir, sizeof dir, "%s/%s", root, key);

    if (!ready) {
        char tmp[sizeof dir + 32];
        snprintf(tmp, sizeof tmp, "%s/.%s.%ld.tmp", root, key, (long)getpid());
        remove_abandoned(root, key);
        remove_tree(tmp);
        if (mkdir(tmp, 0755) < 0) die("cannot create %s: %s", tmp, strerror(errno));
        snprintf(cleanup_dir, sizeof cleanup_dir, "%s", tmp);
        int dirfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) die("cannot open %s: %s", tmp, strerror(errno));
        unpack(fd, offset, size, dirfd);
        int mfd = openat(dirfd, MARKER, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (mfd < 0 || close(mfd) < 0) die("cannot write %s/" MARKER ": %s", tmp, strerror(errno));
        close(dirfd);
        if (rename(tmp, dir) < 0) {
            if (errno != EEXIST && errno != ENOTEMPTY) die("cannot rename %s: %s", tmp, strerror(errno));
            if (!is_ready(dir)) {
                /* a directory under the final name without its marker: not ours to
                   trust (deleted files?); move it aside and put the fresh one there */
                char stale[sizeof dir + 32];
                snprintf(stale, sizeof stale, "%s/.%s.%ld.stale", root, key, (long)getpid());
                if (rename(dir, stale) == 0) remove_tree(stale);
                if (rename(tmp, dir) < 0 && !is_ready(dir))
                    die("cannot rename %s: %s", tmp, strerror(errno));
            }
            remove_tree(tmp);  /* another first start won the race */
        }
        cleanup_dir[0] = 0;
    }
    close(fd);

    char program[sizeof dir + 8];
    snprintf(program, sizeof program, "%s/" PROGRAM, dir);
    argv[0] = self;
    execv(program, argv);
    if (errno == EACCES)
        die("cannot start %s: %s (a filesystem mounted noexec? set UMM_ONEFILE_DIR to a "
            "directory where programs may run)", program, strerror(errno));
    die("cannot start %s: %s (remove %s to unpack again)", program, strerror(errno), dir);
    return 1;
}
