package io.vmstate.cli;

import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.StreamSource;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr for large files, shown only when stderr is a terminal (so logs and pipes
 * stay clean). It samples the reader's byte position a few times a second.
 */
final class Progress implements AutoCloseable {
  /** Files below this size finish too fast for a bar to help. */
  static final long MIN_SIZE = 64L << 20;

  private final ProgressBar bar;
  private final ScheduledExecutorService timer;

  private Progress(ProgressBar bar, ScheduledExecutorService timer) {
    this.bar = bar;
    this.timer = timer;
  }

  static Progress start(StreamSource src, PrintWriter err) {
    if (src.size() < MIN_SIZE || !stderrIsTerminal()) {
      return new Progress(null, null);
    }
    ProgressBar bar =
        new ProgressBarBuilder()
            .setTaskName(src.name())
            .setInitialMax(src.size())
            .setStyle(ProgressBarStyle.ASCII)
            .setUnit(" MiB", 1 << 20)
            .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
            .build();
    ScheduledExecutorService t =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread th = new Thread(r, "progress");
              th.setDaemon(true);
              return th;
            });
    return new Progress(bar, t);
  }

  /** Starts sampling {@code r}'s position. */
  void track(MigrationStreamReader r) {
    if (bar != null) {
      timer.scheduleAtFixedRate(
          () -> bar.stepTo(r.input().position()), 0, 200, TimeUnit.MILLISECONDS);
    }
  }

  private static boolean stderrIsTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (Exception e) {
      return false;
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      timer.shutdownNow();
      bar.close();
    }
  }
}
