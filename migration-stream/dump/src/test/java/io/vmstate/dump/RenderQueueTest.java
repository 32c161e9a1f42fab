package io.vmstate.dump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.api.VmStateException;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The render queue of {@code dump} (issue #14: the printing thread was seen parked forever after a
 * decode failure). Each test is bounded by {@code assertTimeoutPreemptively}: without the fixes the
 * first two never return.
 */
class RenderQueueTest {
  private static final Duration BOUND = Duration.ofSeconds(20);

  /** Runs jobs on a real thread, refusing the {@code refuseAt}th with {@code refusal}. */
  private static final class Refusing implements Executor {
    final ExecutorService thread = Executors.newSingleThreadExecutor();
    final int refuseAt;
    final Error refusalError;
    final RuntimeException refusal;
    int calls;

    Refusing(int refuseAt, Error refusalError, RuntimeException refusal) {
      this.refuseAt = refuseAt;
      this.refusalError = refusalError;
      this.refusal = refusal;
    }

    @Override
    public void execute(Runnable r) {
      if (++calls == refuseAt) {
        if (refusalError != null) {
          throw refusalError;
        }
        throw refusal;
      }
      thread.execute(r);
    }
  }

  @Test
  void aJobThatCannotBeQueuedGivesItsSlotBack() {
    // The printer cannot take the job (its node cannot be allocated near the heap's end): before
    // the fix the slot stayed taken and close() waited for it forever.
    for (int at = 1; at <= RenderQueue.DEPTH + 1; at++) {
      Refusing printer = new Refusing(at, new OutOfMemoryError("simulated"), null);
      int refusedAt = at;
      assertTimeoutPreemptively(
          BOUND,
          () -> {
            AtomicInteger ran = new AtomicInteger();
            RenderQueue q = new RenderQueue(printer);
            OutOfMemoryError e = null;
            for (int i = 1; i <= RenderQueue.DEPTH + 2 && e == null; i++) {
              try {
                q.submit(ran::incrementAndGet);
              } catch (OutOfMemoryError x) {
                e = x;
              }
            }
            assertNotNull(e);
            q.drain();
            q.close();
            assertEquals(refusedAt - 1, ran.get());
          });
      printer.thread.shutdownNow();
    }
  }

  @Test
  void aRefusedJobFailsTheSubmitterAndTheQueueStillDrains() {
    Refusing printer = new Refusing(3, null, new RejectedExecutionException("shut down"));
    assertTimeoutPreemptively(
        BOUND,
        () -> {
          RenderQueue q = new RenderQueue(printer);
          q.submit(() -> {});
          q.submit(() -> {});
          assertThrows(RejectedExecutionException.class, () -> q.submit(() -> {}));
          q.drain();
          q.close();
        });
    printer.thread.shutdownNow();
  }

  @Test
  void aFailingJobStopsTheLaterOnesAndReachesTheSubmitter() {
    assertTimeoutPreemptively(
        BOUND,
        () -> {
          List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
          IOException broken = new IOException("stdout closed");
          try (RenderQueue q = new RenderQueue()) {
            for (int i = 0; i < 3; i++) {
              int n = i;
              q.submit(
                  () -> {
                    ran.add(n);
                    if (n == 1) {
                      throw broken;
                    }
                  });
            }
            assertSame(broken, assertThrows(IOException.class, q::drain));
            assertSame(broken, assertThrows(IOException.class, () -> q.submit(() -> {})));
          }
          assertEquals(List.of(0, 1), ran);
        });
  }

  @Test
  void anUntypedFailureInTheRendererReachesTheSubmitter() {
    assertTimeoutPreemptively(
        BOUND,
        () -> {
          try (RenderQueue q = new RenderQueue()) {
            q.submit(
                () -> {
                  throw new IllegalStateException("renderer bug");
                });
            assertThrows(IllegalStateException.class, q::drain);
          }
        });
  }

  @Test
  void closingWithoutADrainDropsTheJobsNotStartedAndWaitsForTheRunningOne() {
    assertTimeoutPreemptively(
        BOUND,
        () -> {
          CountDownLatch printing = new CountDownLatch(1);
          CountDownLatch stdoutBlocked = new CountDownLatch(1);
          AtomicInteger written = new AtomicInteger();
          RenderQueue q = new RenderQueue();
          q.submit(
              () -> {
                printing.countDown();
                awaitQuietly(stdoutBlocked); // a slow or blocked stdout
                written.incrementAndGet();
              });
          for (int i = 0; i < RenderQueue.DEPTH - 1; i++) {
            q.submit(written::incrementAndGet);
          }
          printing.await();
          // The decoder fails now: its thread closes the queue while the printer is blocked.
          ExecutorService decoder = Executors.newSingleThreadExecutor();
          Future<?> closed = decoder.submit(q::close);
          assertThrows(
              java.util.concurrent.TimeoutException.class,
              () -> closed.get(200, TimeUnit.MILLISECONDS),
              "close returned while the printer was still writing");
          stdoutBlocked.countDown();
          closed.get();
          decoder.shutdown();
          assertEquals(1, written.get(), "the jobs not started after the failure were dropped");
        });
  }

  @Test
  void anInterruptedCloseStopsWaitingForABlockedPrinter() {
    assertTimeoutPreemptively(
        BOUND,
        () -> {
          CountDownLatch printing = new CountDownLatch(1);
          CountDownLatch never = new CountDownLatch(1);
          RenderQueue q = new RenderQueue();
          q.submit(
              () -> {
                printing.countDown();
                awaitQuietly(never);
              });
          printing.await();
          Thread.currentThread().interrupt();
          q.close();
          assertTrue(Thread.interrupted(), "the interrupt is kept");
        });
  }

  /**
   * The whole of {@code dump}: a stream cut at offsets spread over its device sections, printed to
   * an output that fails after a varying number of bytes, so that the decode failure and the
   * printer's failure fall at every point relative to each other. Every run ends with a typed error
   * or the output's IOException, never a hang.
   */
  @Test
  void dumpEndsWhereverTheDecodeAndThePrinterFail() throws IOException {
    byte[] stream;
    try (InputStream in =
        getClass().getResourceAsStream("/io/vmstate/testkit/streams/gicv2-1cpu.qemu")) {
      assertNotNull(in);
      stream = in.readAllBytes();
    }
    int devices = 357_035; // the first device section (after the RAM sections)
    int[] outputLimits = {0, 1, 100, 4_000, 20_000, 60_000, 200_000, Integer.MAX_VALUE};
    AtomicInteger runs = new AtomicInteger();
    assertTimeoutPreemptively(
        Duration.ofSeconds(120),
        () -> {
          for (int cut = devices; cut <= stream.length; cut += 211) {
            byte[] input = Arrays.copyOf(stream, cut);
            for (int limit : outputLimits) {
              JsonGenerator g = PythonJson.generator(new FailingAfter(limit));
              try {
                new StateDump(
                        StreamSource.of("cut", input).reader(ReaderOptions.DEFAULT),
                        g,
                        false,
                        StateDump.Schema.VMDESC)
                    .run();
                g.flush();
              } catch (VmStateException | IOException expected) {
                // a typed decode failure or the output's failure
              }
              runs.incrementAndGet();
            }
          }
        });
    assertTrue(runs.get() > 100);
    assertFalse(Thread.interrupted());
  }

  /** An output that throws once {@code limit} bytes have been written. */
  private static final class FailingAfter extends OutputStream {
    private long left;

    FailingAfter(long limit) {
      this.left = limit;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len > left) {
        throw new IOException("output failed");
      }
      left -= len;
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
