package io.vmstate.dump;

import io.vmstate.api.VmStateException;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * Runs output jobs in order on one second thread, so a device is printed while the reader decodes
 * the next one. At most {@link #DEPTH} jobs (decoded devices) wait at a time; the first failure of
 * a job stops the later ones and is thrown to the submitting thread at its next call.
 */
final class RenderQueue implements AutoCloseable {
  /** One piece of output. */
  interface Job {
    void run() throws IOException, VmStateException;
  }

  private static final int DEPTH = 8;

  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "vmstate-dump-render");
            t.setDaemon(true);
            return t;
          });
  private final Semaphore slots = new Semaphore(DEPTH);
  private volatile Throwable failure;

  /** Queues {@code job} after the ones before it, waiting while {@link #DEPTH} are queued. */
  void submit(Job job) throws IOException, VmStateException {
    rethrow();
    slots.acquireUninterruptibly();
    thread.execute(
        () -> {
          try {
            if (failure == null) {
              job.run();
            }
          } catch (Throwable t) {
            failure = t;
          } finally {
            slots.release();
          }
        });
  }

  /** Waits until every queued job has run; throws the first failure. */
  void drain() throws IOException, VmStateException {
    await();
    rethrow();
  }

  private void await() {
    slots.acquireUninterruptibly(DEPTH);
    slots.release(DEPTH);
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

  /** Waits for the queued jobs (so nothing writes after this returns) and ends the thread. */
  @Override
  public void close() {
    await();
    thread.shutdown();
  }
}
