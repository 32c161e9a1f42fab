package io.vmstate.transport;

import java.time.Duration;

/**
 * What a finished migration moved (stream or section bytes, sections, how long it took) and what is
 * known about its arrival ({@link Outcome}).
 */
public record MigrationResult(long bytes, int sections, Duration elapsed, Outcome outcome) {
  /** What a successful migration is known to have achieved, strongest first. */
  public enum Outcome {
    /** Framed: the destination verified every section and applied them, and said so. */
    APPLIED,
    /** Raw: the receiver loaded the stream and said so on QEMU's return path (SHUT, status 0). */
    LOADED,
    /**
     * Raw: the peer read the stream to its end and closed cleanly, without a verdict (QEMU without
     * the return path closes the same way whether its load succeeded or not).
     */
    DELIVERED,
    /** Raw: every byte was handed to the connection; nothing more is known. */
    SENT,
    /** Received: this end decoded and kept everything (a destination's own result). */
    RECEIVED
  }
}
