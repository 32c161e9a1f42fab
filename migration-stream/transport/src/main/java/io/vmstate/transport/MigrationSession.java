package io.vmstate.transport;

import io.netty.channel.Channel;
import io.vmstate.api.Nullable;
import io.vmstate.api.VmStateException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One migration in progress, on either end: its peer, its outcome and a way to cancel it. The
 * result completes exceptionally with a {@link VmStateException} (usually a {@link
 * MigrationTransportException}); {@link #await} rethrows it typed.
 */
public final class MigrationSession {
  private static final AtomicLong IDS = new AtomicLong();

  private final long id = IDS.incrementAndGet();
  private volatile Channel channel;
  private final CompletableFuture<MigrationResult> result = new CompletableFuture<>();
  private final long startNanos = System.nanoTime();
  private volatile Consumer<String> canceller;
  private volatile long bytes;
  private volatile int sections;

  MigrationSession() {}

  MigrationSession(Channel channel) {
    this.channel = channel;
  }

  /** A process-unique id, for logs. */
  public long id() {
    return id;
  }

  /** The peer's address, or null before the connection is made. */
  public @Nullable SocketAddress remoteAddress() {
    Channel ch = channel;
    return ch == null ? null : ch.remoteAddress();
  }

  /** Completes when the migration ended: normally, or exceptionally with a VmStateException. */
  public CompletableFuture<MigrationResult> result() {
    return result;
  }

  /** Bytes moved so far. */
  public long bytes() {
    return bytes;
  }

  /** Sections completed so far. */
  public int sections() {
    return sections;
  }

  /**
   * Cancels the migration: in framed mode the peer receives an Error(CANCELLED); in raw mode the
   * connection is closed. Does nothing once the migration ended.
   */
  public void cancel(String why) {
    Consumer<String> c = canceller;
    Channel ch = channel;
    if (result.isDone()) {
      return;
    }
    if (c != null && ch != null) {
      // On the channel's own event loop (e.g. from a target's preflight) cancel at once, so the
      // migration cannot complete in the same pass before a queued cancel would run.
      if (ch.eventLoop().inEventLoop()) {
        c.accept(why);
      } else {
        ch.eventLoop().execute(() -> c.accept(why));
      }
    } else {
      fail(MigrationTransportException.cancelled(why));
      if (ch != null) {
        ch.close();
      }
    }
  }

  /** Waits for the outcome, rethrowing a failure as the typed exception it is. */
  public MigrationResult await(Duration max) throws VmStateException, InterruptedException {
    try {
      return result.get(max.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw Failures.classify(e.getCause(), "waiting for the migration", max);
    } catch (TimeoutException e) {
      cancel("no result within " + max);
      throw MigrationTransportException.timedOut("waiting for the migration result", max);
    } catch (CancellationException e) {
      throw MigrationTransportException.cancelled("the result future was cancelled");
    }
  }

  Channel channel() {
    return channel;
  }

  void attach(Channel ch) {
    this.channel = ch;
  }

  void canceller(Consumer<String> c) {
    this.canceller = c;
  }

  void progress(long bytes, int sections) {
    this.bytes = bytes;
    this.sections = sections;
  }

  boolean succeed(MigrationResult.Outcome outcome) {
    return result.complete(
        new MigrationResult(
            bytes, sections, Duration.ofNanos(System.nanoTime() - startNanos), outcome));
  }

  boolean fail(VmStateException e) {
    return result.completeExceptionally(e);
  }

  @Override
  public String toString() {
    return "migration #" + id + " with " + remoteAddress();
  }
}
