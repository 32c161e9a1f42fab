package io.vmstate.transport;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The section bytes all framed sessions of one {@link MigrationDestination} hold staged at once
 * ({@link TransportOptions#maxReceiverStagedBytes()}), beside each session's own bound ({@link
 * TransportOptions#maxStagedBytes()}). Sessions reserve what they stage and release it when they
 * end, applied or failed. Thread-safe: sessions run on several event loops.
 */
final class StagingBudget {
  private final long limit;
  private final AtomicLong used = new AtomicLong();

  StagingBudget(long limit) {
    this.limit = limit;
  }

  long limit() {
    return limit;
  }

  long used() {
    return used.get();
  }

  /** Reserves {@code n} bytes; false, reserving nothing, when that would pass the limit. */
  boolean tryReserve(long n) {
    while (true) {
      long u = used.get();
      if (u + n > limit) {
        return false;
      }
      if (used.compareAndSet(u, u + n)) {
        return true;
      }
    }
  }

  void release(long n) {
    used.addAndGet(-n);
  }
}
