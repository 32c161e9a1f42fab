package io.vmstate.dump;

import io.vmstate.api.VmStateException;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * Runs output jobs in order on one second thread, so a device is printed while the reader decodes
 * the next one. At most {@link #DEPTH} jobs (decoded devices) wait at a time; the first failure of
 * a job stops the later ones and is thrown to the submitting thread at its next call.
 *
 * <p>Hang-proof by construction: a slot is taken only for a job the printer has accepted (a job the
 * executor refuses, or that cannot be allocated, gives its slot back at once), and every accepted
 * job gives its slot back however it ends, so {@link #drain} and {@link #close} wait at most for
 * the jobs actually queued. Closing without a drain (the submitter failed) drops the jobs not yet
 * started, and an interrupt while closing stops the printer instead of waiting for it.
 */
final class RenderQueue implements AutoCloseable {
  /** One piece of output. */
  interface Job {
    void run() throws IOException, VmStateException;
  }

  static final int DEPTH = 8;

  private final Executor printer;
  private final ExecutorService owned;
  private final Semaphore slots = new Semaphore(DEPTH);
  private volatile Throwable failure;
  private volatile boolean cancelled;

  RenderQueue() {
    this(
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "vmstate-dump-render");
              t.setDaemon(true);
              return t;
            }));
  }

  /** A queue on {@code printer}, which must run the jobs one at a time in order (tests). */
  RenderQueue(Executor printer) {
    this.printer = printer;
    this.owned = printer instanceof ExecutorService s ? s : null;
  }

  /** Queues {@code job} after the ones before it, waiting while {@link #DEPTH} are queued. */
  void submit(Job job) throws IOException, VmStateException {
    rethrow();
    slots.acquireUninterruptibly();
    try {
      printer.execute(() -> print(job));
    } catch (Throwable t) {
      // Refused or not allocated (OutOfMemoryError): the job will never give its slot back.
      slots.release();
      throw t;
    }
  }

  private void print(Job job) {
    try {
      if (failure == null && !cancelled) {
        job.run();
      }
    } catch (Throwable t) {
      if (failure == null) {
        failure = t;
      }
    } finally {
      slots.release();
    }
  }

  /** Waits until every queued job has run; throws the first failure. */
  void drain() throws IOException, VmStateException {
    slots.acquireUninterruptibly(DEPTH);
    slots.release(DEPTH);
    rethrow();
  }

  private void rethrow() throws IOException, VmStateException {
    Throwable t = failure;
    if (t instanceof VmStateException v) {
      throw v;
    } else if (t instanceof IOException io) {
      throw io;
    } else if (t instanceof RuntimeException r) {
      throw r;
    } else if (t instanceof Error e) {
      throw e;
    } else if (t != null) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Drops the jobs not yet started (after a {@link #drain} there are none), waits for the one
   * running (so nothing writes after this returns) and ends the thread. Interrupted, it stops the
   * printer instead and keeps the interrupt.
   */
  @Override
  public void close() {
    cancelled = true;
    try {
      slots.acquire(DEPTH);
      slots.release(DEPTH);
      if (owned != null) {
        owned.shutdown();
      }
    } catch (InterruptedException e) {
      if (owned != null) {
        owned.shutdownNow();
      }
      Thread.currentThread().interrupt();
    }
  }
}
