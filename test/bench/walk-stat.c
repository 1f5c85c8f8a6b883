/*
 * The least a stat cache must do, in C: list a tree and stat every file in it (getdents and
 * statx, one call a file), printing only a count. The bench compiles it when a C compiler is
 * there and times it beside prov's re-hash: the time no program, in any language, goes below.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static long files;

static int walk(int dfd) {
  DIR *d = fdopendir(dfd);
  if (d == NULL) return -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0))) continue;
    if (e->d_type == DT_DIR) {
      int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY);
      if (sub < 0 || walk(sub) < 0) return -1;
    } else {
      struct statx st;
      if (statx(dfd, e->d_name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &st) < 0) return -1;
      files++;
    }
  }
  return closedir(d);
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  int fd = open(argv[1], O_RDONLY | O_DIRECTORY);
  if (fd < 0 || walk(fd) < 0) { perror(argv[1]); return 1; }
  printf("%ld\n", files);
  return files > 0 ? 0 : 1;
}
