package io.vmstate.cli;

import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A stream file's vmdesc trailer, located and parsed on a second thread while picocli builds its
 * model of the command line (both take a while in a fresh JVM; on a 512-vCPU GICv3 stream the
 * trailer is 3.4 MB of JSON). Only a guess: the command takes it only for the same file, unchanged
 * (same key, size and modification time before and after the parse); anything else, a failure
 * included, is ignored and the command locates the trailer itself, reporting what goes wrong.
 */
final class VmdescPrefetch {
  private record Stamp(Object key, long size, long modified) {
    static Stamp of(Path file) throws IOException {
      BasicFileAttributes a =
          Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return new Stamp(a.fileKey(), a.size(), a.lastModifiedTime().toMillis());
    }
  }

  private record Located(Path file, Stamp stamp, Vmdesc vmdesc) {}

  private static volatile CompletableFuture<Located> pending;

  private VmdescPrefetch() {}

  /**
   * Starts locating the vmdesc of the stream file that {@code args} (a whole command line whose
   * first word is the command) most likely names: its last word that names a regular file.
   */
  static void start(String[] args) {
    Path file = null;
    for (int i = args.length - 1; i > 0 && file == null; i--) {
      if (!args[i].startsWith("-") && Files.isRegularFile(Path.of(args[i]))) {
        file = Path.of(args[i]);
      }
    }
    if (file == null) {
      return;
    }
    Path f = file;
    CompletableFuture<Located> task = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                Stamp before = Stamp.of(f);
                Vmdesc v = VmdescLocator.locate(f, Vmdesc.DEFAULT_MAX_BYTES);
                task.complete(
                    Objects.equals(before, Stamp.of(f)) ? new Located(f, before, v) : null);
              } catch (Exception | LinkageError | OutOfMemoryError e) {
                task.complete(null); // the command locates it again and reports the failure
              }
            },
            "vmstate-vmdesc");
    t.setDaemon(true);
    pending = task;
    t.start();
  }

  /**
   * The prefetched result for {@code file}, or null when there is none for this file as it is now
   * (then the caller locates the trailer itself). {@code found[0]} says whether it was taken: a
   * taken null vmdesc means the file has no trailer.
   */
  static Vmdesc take(Path file, boolean[] found) {
    found[0] = false;
    CompletableFuture<Located> task = pending;
    pending = null;
    if (task == null) {
      return null;
    }
    try {
      Located l = task.join();
      if (l == null || !Files.isSameFile(l.file(), file) || !l.stamp().equals(Stamp.of(file))) {
        return null;
      }
      found[0] = true;
      return l.vmdesc();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Drops a prefetch the command did not take (it failed first, or read another file), after it
   * ends: in a JVM that runs the CLI many times (tests, the fuzz campaign) no parse outlives its
   * command, so at most one runs beside a command.
   */
  static void discard() {
    CompletableFuture<Located> task = pending;
    pending = null;
    if (task != null) {
      task.join(); // completes normally whatever the parse met
    }
  }
}
