package io.vmstate.transport;

import io.vmstate.api.Nullable;
import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateException;
import io.vmstate.transport.proto.ErrorReason;
import java.io.IOException;
import java.time.Duration;

/**
 * A migration could not be carried over the network: the peer vanished, timed out, broke the
 * protocol, sent corrupt or oversize data, was refused by TLS, cancelled, or reported an error of
 * its own. {@link #kind()} says which, so both ends can react to the same typed failure; {@link
 * #wireReason()} is the reason sent to the peer in an {@code Error} message.
 */
public class MigrationTransportException extends VmStateException {
  private static final long serialVersionUID = 1L;

  /** The failure family. */
  public enum Kind {
    PEER_CLOSED,
    TIMED_OUT,
    PROTOCOL_VIOLATION,
    FRAME_TOO_LARGE,
    CRC_MISMATCH,
    LIMIT_EXCEEDED,
    CANCELLED,
    TLS_REFUSED,
    LOCAL_IO,
    INTERNAL,
    REMOTE_ERROR
  }

  private final Kind kind;
  private final ErrorReason remoteReason;

  private MigrationTransportException(
      Kind kind, ErrorReason remoteReason, String reason, Throwable cause) {
    super(reason, cause);
    this.kind = kind;
    this.remoteReason = remoteReason;
  }

  private static MigrationTransportException of(Kind kind, String reason) {
    return new MigrationTransportException(kind, null, reason, null);
  }

  /** The connection ended before the migration completed. */
  public static MigrationTransportException peerClosed() {
    return of(
        Kind.PEER_CLOSED,
        "the peer closed the connection before the migration completed"
            + " (it crashed, was killed, or the network dropped)");
  }

  /** The connection failed with an I/O error before the migration completed. */
  public static MigrationTransportException peerClosed(IOException cause) {
    return new MigrationTransportException(
        Kind.PEER_CLOSED,
        null,
        "the connection failed before the migration completed: " + cause.getMessage(),
        cause);
  }

  /**
   * The peer reset the connection after the whole raw stream was handed to it: it stopped reading
   * before the end, which a receiver does when its load failed.
   */
  public static MigrationTransportException resetAfterSend(IOException cause) {
    return new MigrationTransportException(
        Kind.PEER_CLOSED,
        null,
        "the receiver reset the connection after the whole stream was sent: it stopped reading"
            + " before the end (its load failed; see its log): "
            + cause.getMessage(),
        cause);
  }

  /**
   * The receiver of a raw stream that opened QEMU's return path closed without the {@code SHUT}
   * that reports a completed load (QEMU exits on a failed load without one).
   */
  public static MigrationTransportException closedWithoutVerdict() {
    return of(
        Kind.PEER_CLOSED,
        "the receiver closed without reporting a completed load on the return path the stream"
            + " opened (QEMU does so when its load failed; see its log)");
  }

  /** Nothing moved for {@code idle}: the peer is stalled or unreachable. */
  public static MigrationTransportException timedOut(String waitingFor, Duration idle) {
    return of(
        Kind.TIMED_OUT,
        "timed out after "
            + idle.toMillis()
            + " ms without progress while "
            + waitingFor
            + "; the peer is stalled or unreachable");
  }

  /**
   * Fewer than {@code minBytesPerSecond} moved, on average, over the last {@code window}: the peer
   * is trickling (each byte resets the idle timer, so only a rate floor cuts it).
   */
  public static MigrationTransportException tooSlow(
      long moved, Duration window, long minBytesPerSecond) {
    return of(
        Kind.TIMED_OUT,
        "too slow: "
            + moved
            + " bytes moved in the last "
            + window.toMillis()
            + " ms, under the progress floor of "
            + minBytesPerSecond
            + " bytes/s; the peer is trickling or stalled (options: the progress floor and its"
            + " window)");
  }

  /** The migration was still running {@code deadline} after the connection was made. */
  public static MigrationTransportException deadline(Duration deadline, long moved) {
    return of(
        Kind.TIMED_OUT,
        "deadline exceeded: the migration was still running "
            + deadline.toMillis()
            + " ms after the connection was made ("
            + moved
            + " bytes moved); nothing was applied");
  }

  /** The peer sent something the protocol does not allow at this point. */
  public static MigrationTransportException protocolViolation(String what) {
    return of(
        Kind.PROTOCOL_VIOLATION,
        "protocol violation: " + what + " (is the peer a vmstate endpoint of the same protocol?)");
  }

  /** A frame announced more bytes than the receiver accepts. */
  public static MigrationTransportException frameTooLarge(long size, long max) {
    return of(
        Kind.FRAME_TOO_LARGE,
        "frame of "
            + size
            + " bytes exceeds the maximum frame length of "
            + max
            + " (a corrupt length prefix, or a peer configured with a larger limit)");
  }

  /** A section's bytes did not match their CRC32C: corrupted in transit. */
  public static MigrationTransportException crcMismatch(SectionRef section) {
    return of(
            Kind.CRC_MISMATCH,
            "CRC32C mismatch: the section's bytes were corrupted in transit;"
                + " nothing was applied")
        .inSection(section);
  }

  /** A whole-stream chunk's bytes did not match their CRC32C: corrupted in transit. */
  public static MigrationTransportException crcMismatchAt(long streamOffset) {
    return of(
        Kind.CRC_MISMATCH,
        "CRC32C mismatch: the stream's bytes from offset "
            + streamOffset
            + " were corrupted in transit; nothing was kept");
  }

  /** A configured bound (staged bytes, section count) was exceeded. */
  public static MigrationTransportException limitExceeded(String what, long value, long limit) {
    return of(
        Kind.LIMIT_EXCEEDED, what + " " + value + " exceeds the configured limit of " + limit);
  }

  /** This side cancelled the migration. */
  public static MigrationTransportException cancelled(String why) {
    return of(Kind.CANCELLED, "migration cancelled: " + why);
  }

  /** TLS refused the peer (no certificate, an untrusted one, or a failed handshake). */
  public static MigrationTransportException tlsRefused(Throwable cause) {
    return new MigrationTransportException(
        Kind.TLS_REFUSED,
        null,
        "TLS handshake refused: "
            + (cause == null ? "no details" : cause.getMessage())
            + " (a missing or untrusted certificate on one side)",
        cause);
  }

  /** Reading or writing a local file failed. */
  public static MigrationTransportException localIo(String what, IOException cause) {
    return new MigrationTransportException(
        Kind.LOCAL_IO, null, what + ": " + cause.getMessage(), cause);
  }

  /** An unexpected failure inside this endpoint (a bug, or a sink that threw). */
  public static MigrationTransportException internal(Throwable cause) {
    return new MigrationTransportException(
        Kind.INTERNAL, null, "internal failure: " + cause, cause);
  }

  /** The peer reported a failure of its own in an {@code Error} message. */
  public static MigrationTransportException remoteError(ErrorReason reason, String message) {
    return new MigrationTransportException(
        Kind.REMOTE_ERROR,
        reason,
        "the peer failed the migration (" + reason + "): " + message,
        null);
  }

  /** What failed, for callers that branch on the failure. */
  public Kind kind() {
    return kind;
  }

  /** For {@link Kind#REMOTE_ERROR}: the reason the peer sent; otherwise {@code null}. */
  public @Nullable ErrorReason remoteReason() {
    return remoteReason;
  }

  /** The reason to send to the peer when this failure ends a session. */
  public ErrorReason wireReason() {
    return switch (kind) {
      case PROTOCOL_VIOLATION -> ErrorReason.PROTOCOL_VIOLATION;
      case CRC_MISMATCH -> ErrorReason.CRC_MISMATCH;
      case FRAME_TOO_LARGE -> ErrorReason.FRAME_TOO_LARGE;
      case TIMED_OUT -> ErrorReason.TIMED_OUT;
      case CANCELLED -> ErrorReason.CANCELLED;
      case LIMIT_EXCEEDED -> ErrorReason.LIMIT_EXCEEDED;
      case REMOTE_ERROR -> remoteReason;
      case PEER_CLOSED, TLS_REFUSED, LOCAL_IO, INTERNAL -> ErrorReason.INTERNAL;
    };
  }

  // Covariant context setters, so callers keep the concrete type without a cast.

  @Override
  public MigrationTransportException atOffset(long byteOffset) {
    super.atOffset(byteOffset);
    return this;
  }

  @Override
  public MigrationTransportException inField(String segment) {
    super.inField(segment);
    return this;
  }

  @Override
  public MigrationTransportException inSection(SectionRef ref) {
    super.inSection(ref);
    return this;
  }
}
