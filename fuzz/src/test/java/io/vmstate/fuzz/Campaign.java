package io.vmstate.fuzz;

import io.vmstate.api.VmStateException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a {@link FuzzTarget} over mutants of its seeds and classifies each outcome: accepted, a
 * typed failure (the {@code VmStateException} family, by class), or a finding: an untyped exception
 * (or one masked as typed: see {@link #untypedCause}), an {@link OutOfMemoryError}, a broken
 * contract ({@link Targets.Violation}), more than {@link #SLOW_NANOS} of CPU, or a hang (no
 * progress for {@link #HANG_SECONDS}: see {@link #once}). Findings are written to a directory,
 * named by kind and content hash, ready to be committed as corpus.
 */
final class Campaign {
  /** The bar: no input takes more than 1 s of CPU. */
  static final long SLOW_NANOS = 1_000_000_000L;

  static final int HANG_SECONDS = 20;

  static final int SAMPLES = 100;

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** One input's outcome. */
  record Outcome(String kind, String detail, long cpuNanos, long allocated, int where) {
    boolean finding() {
      return !kind.equals("ok") && !kind.startsWith("typed:");
    }
  }

  /** A finding: its kind, what happened, and the input. */
  record Finding(String kind, String detail, byte[] input) {}

  /** The figures of a run. */
  static final class Result {
    final String target;
    long inputs;
    long bytes;
    long nanos;
    long maxCpuNanos;

    /** The inputs' own CPU time, summed: the load-independent rate is inputs per CPU second. */
    long cpuNanos;

    long maxAllocated;
    double maxAllocatedPerByte;
    final Map<String, Long> classes = new TreeMap<>();

    /** Typed failures that name a byte offset, a section, and (those with a section) a path. */
    long typed;

    long withOffset;
    long withSection;
    long withPath;

    /** The first {@link #SAMPLES} typed failure messages, for reading how precise they are. */
    final List<String> samples = new ArrayList<>();

    final List<Finding> findings = new ArrayList<>();

    Result(String target) {
      this.target = target;
    }

    @Override
    public String toString() {
      StringBuilder s =
          new StringBuilder(
              String.format(
                  "%s: %d inputs (%.1f MB) in %.1f s, %.0f/s; %.1f s of CPU, %.0f inputs per CPU"
                      + " second; max CPU %d ms; max allocated %.1f MB (%.1f bytes per input byte);"
                      + " findings %d%n",
                  target,
                  inputs,
                  bytes / 1e6,
                  nanos / 1e9,
                  inputs / Math.max(1e-9, nanos / 1e9),
                  cpuNanos / 1e9,
                  inputs / Math.max(1e-9, cpuNanos / 1e9),
                  maxCpuNanos / 1_000_000,
                  maxAllocated / 1e6,
                  maxAllocatedPerByte,
                  findings.size()));
      s.append(
          String.format(
              "  typed failures %d: with a byte offset %d, with a section %d, of those with a"
                  + " field path %d%n",
              typed, withOffset, withSection, withPath));
      classes.forEach((k, v) -> s.append(String.format("  %-60s %d%n", k, v)));
      for (Finding f : findings.subList(0, Math.min(findings.size(), 20))) {
        s.append("  FINDING ").append(f.kind()).append(": ").append(f.detail()).append('\n');
      }
      return s.toString();
    }
  }

  private final FuzzTarget target;
  private ExecutorService worker = newWorker();

  Campaign(FuzzTarget target) {
    this.target = target;
  }

  private static ExecutorService newWorker() {
    return Executors.newSingleThreadExecutor(
        r -> {
          Thread t = new Thread(r, "fuzz-worker");
          t.setDaemon(true);
          return t;
        });
  }

  /** Runs mutants until {@code seconds} have passed or {@code maxInputs} ran. */
  Result run(long seed, double seconds, long maxInputs, Path findings) throws Exception {
    Mutator m = new Mutator(target.seeds(), seed);
    Result r = new Result(target.name());
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    while (r.inputs < maxInputs && System.nanoTime() < deadline) {
      byte[] input = m.next();
      record(r, input, once(input), findings);
    }
    r.nanos = System.nanoTime() - start;
    worker.shutdownNow();
    return r;
  }

  /** Runs the given inputs (a corpus) once each. */
  Result replay(List<byte[]> inputs) {
    Result r = new Result(target.name());
    long start = System.nanoTime();
    for (byte[] input : inputs) {
      try {
        record(r, input, once(input), null);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    r.nanos = System.nanoTime() - start;
    worker.shutdownNow();
    return r;
  }

  private void record(Result r, byte[] input, Outcome o, Path findings) throws IOException {
    r.inputs++;
    r.bytes += input.length;
    r.maxCpuNanos = Math.max(r.maxCpuNanos, o.cpuNanos());
    r.cpuNanos += o.cpuNanos();
    r.maxAllocated = Math.max(r.maxAllocated, o.allocated());
    r.maxAllocatedPerByte =
        Math.max(r.maxAllocatedPerByte, o.allocated() / (double) Math.max(1, input.length));
    r.classes.merge(o.kind(), 1L, Long::sum);
    if (o.kind().startsWith("typed:")) {
      r.typed++;
      r.withOffset += o.where() & 1;
      r.withSection += (o.where() >> 1) & 1;
      r.withPath += (o.where() >> 2) & 1;
      if (r.samples.size() < SAMPLES) {
        r.samples.add(o.kind().substring(6) + ": " + o.detail());
      }
    }
    Outcome verdict = o;
    if (!o.finding() && o.cpuNanos() > SLOW_NANOS) {
      verdict = new Outcome("slow", o.cpuNanos() / 1_000_000 + " ms of CPU", 0, 0, 0);
    }
    if (verdict.finding()) {
      r.findings.add(new Finding(verdict.kind(), verdict.detail(), input));
      if (findings != null) {
        Path dir = findings.resolve(target.name());
        Files.createDirectories(dir);
        Files.write(dir.resolve(verdict.kind() + "-" + sha1(input)), input);
      }
    }
  }

  /**
   * Runs one input on the worker thread. A hang is an input whose thread makes no progress (no CPU
   * time: parked or blocked) for {@link #HANG_SECONDS}, or that has used {@code HANG_SECONDS} of
   * CPU; wall time alone is not the measure, since a niced campaign on a loaded machine may wait
   * that long for a core.
   */
  Outcome once(byte[] input) {
    Future<Outcome> f = worker.submit(() -> classify(input));
    long stalledSince = System.nanoTime();
    long lastCpu = -1;
    try {
      while (true) {
        try {
          return f.get(1, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          Thread t = running;
          long cpu = t == null ? -1 : THREADS.getThreadCpuTime(t.getId());
          long now = System.nanoTime();
          if (cpu != lastCpu) {
            lastCpu = cpu;
            stalledSince = now;
          }
          if (now - stalledSince > HANG_SECONDS * 1_000_000_000L
              || cpu - startCpu > HANG_SECONDS * 1_000_000_000L) {
            f.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            return new Outcome(
                "hang",
                now - stalledSince > HANG_SECONDS * 1_000_000_000L
                    ? "no progress (no CPU time) for " + HANG_SECONDS + " s"
                    : HANG_SECONDS + " s of CPU",
                0,
                0,
                0);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof OutOfMemoryError oom) {
        // Thrown again while classify reported the first one (the heap still full then).
        return new Outcome("oom", oom.toString(), 0, 0, 0);
      }
      throw new IllegalStateException(e.getCause());
    } catch (OutOfMemoryError e) {
      // The worker filled the heap and this thread's next allocation failed: the input's finding.
      f.cancel(true);
      return new Outcome("oom", e + " (while waiting for the input)", 0, 0, 0);
    }
  }

  /** The worker thread running an input, and its CPU time when the input started. */
  private volatile Thread running;

  private volatile long startCpu;

  private Outcome classify(byte[] input) {
    long cpu0 = THREADS.getCurrentThreadCpuTime();
    startCpu = cpu0;
    running = Thread.currentThread();
    long alloc0 = THREADS.getCurrentThreadAllocatedBytes();
    String kind;
    String detail = "";
    int where = 0;
    try {
      target.run(input);
      kind = "ok";
    } catch (VmStateException e) {
      Throwable masked = untypedCause(e);
      kind = masked == null ? "typed:" + e.getClass().getSimpleName() : "masked";
      detail =
          masked == null
              ? e.getMessage()
              : e.getMessage() + " (" + masked + " at " + where(masked) + ")";
      boolean inSection = e.section().isPresent();
      where =
          (e.offset() >= 0 ? 1 : 0)
              | (inSection ? 2 : 0)
              | (inSection && !e.fieldPath().isEmpty() ? 4 : 0);
    } catch (Targets.Violation e) {
      kind = "violation";
      detail = e.getMessage();
    } catch (OutOfMemoryError e) {
      kind = "oom";
      detail = e.toString();
    } catch (Throwable e) {
      kind = "untyped";
      detail = e + " at " + where(e);
    }
    return new Outcome(
        kind,
        detail,
        THREADS.getCurrentThreadCpuTime() - cpu0,
        THREADS.getCurrentThreadAllocatedBytes() - alloc0,
        where);
  }

  /**
   * An untyped exception in the cause chain of a typed one: a decoder that caught its own bug (a
   * RuntimeException or an Error) and reported it as bad input, which hides the bug (issue #14).
   */
  static Throwable untypedCause(VmStateException e) {
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c instanceof RuntimeException || c instanceof Error) {
        return c;
      }
    }
    return null;
  }

  private static String where(Throwable e) {
    for (StackTraceElement s : e.getStackTrace()) {
      if (s.getClassName().startsWith("io.vmstate")) {
        return s.toString();
      }
    }
    return e.getStackTrace().length > 0 ? e.getStackTrace()[0].toString() : "?";
  }

  static String sha1(byte[] b) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-1").digest(b))
          .substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
