package io.vmstate.transport;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.Optional;

/**
 * Settings shared by {@link MigrationSource} and {@link MigrationDestination}. Immutable; start
 * from {@link #defaults()} and change what you need with {@link #toBuilder()}.
 */
public final class TransportOptions {
  /** Default largest frame body: 4 MiB (sections larger than this travel in several frames). */
  public static final int DEFAULT_MAX_FRAME = 4 << 20;

  private final int maxFrameLength;
  private final Duration idleTimeout;
  private final long maxStagedBytes;
  private final long maxReceiverStagedBytes;
  private final int receiveBuffer;
  private final long minBytesPerSecond;
  private final Duration floorWindow;
  private final Duration deadline;
  private final WriteBufferWaterMark waterMark;
  private final SslContext ssl;
  private final ProgressListener progress;

  private TransportOptions(Builder b) {
    this.maxFrameLength = b.maxFrameLength;
    this.idleTimeout = b.idleTimeout;
    this.maxStagedBytes = b.maxStagedBytes;
    this.maxReceiverStagedBytes = b.maxReceiverStagedBytes;
    this.receiveBuffer = b.receiveBuffer;
    this.minBytesPerSecond = b.minBytesPerSecond;
    this.floorWindow = b.floorWindow;
    this.deadline = b.deadline;
    this.waterMark = b.waterMark;
    this.ssl = b.ssl;
    this.progress = b.progress;
  }

  /**
   * The defaults, as each getter states them: 4 MiB frames, 30 s idle timeout, at least 1024 bytes
   * per second over 30 s, a 24 h deadline, 1 GiB staged per migration and 2 GiB per destination, 4
   * MiB receive buffer, write marks 1-4 MiB, no TLS, no progress listener.
   */
  public static TransportOptions defaults() {
    return new Builder().build();
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxFrameLength = maxFrameLength;
    b.idleTimeout = idleTimeout;
    b.maxStagedBytes = maxStagedBytes;
    b.maxReceiverStagedBytes = maxReceiverStagedBytes;
    b.receiveBuffer = receiveBuffer;
    b.minBytesPerSecond = minBytesPerSecond;
    b.floorWindow = floorWindow;
    b.deadline = deadline;
    b.waterMark = waterMark;
    b.ssl = ssl;
    b.progress = progress;
    return b;
  }

  /** Largest frame body accepted and sent (framed mode). */
  public int maxFrameLength() {
    return maxFrameLength;
  }

  /** A migration with no byte moving in either direction for this long fails as timed out. */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /**
   * The progress floor: a migration that moves fewer bytes than this per second, on average over a
   * {@link #floorWindow()}, fails as too slow (a trickling peer resets the idle timer with every
   * byte). Default 1024.
   */
  public long minBytesPerSecond() {
    return minBytesPerSecond;
  }

  /** The window over which {@link #minBytesPerSecond()} is checked. Default 30 s. */
  public Duration floorWindow() {
    return floorWindow;
  }

  /** The longest a migration may run from its connection to its end. Default 24 h. */
  public Duration deadline() {
    return deadline;
  }

  /** Most section bytes a framed destination stages for one migration. Default 1 GiB. */
  public long maxStagedBytes() {
    return maxStagedBytes;
  }

  /**
   * Most section bytes a framed destination stages for all its migrations at once. A session that
   * would pass it fails with {@code LIMIT_EXCEEDED}; while less than one frame of it is free, new
   * sessions are refused at their Hello. Default 2 GiB.
   */
  public long maxReceiverStagedBytes() {
    return maxReceiverStagedBytes;
  }

  /** Most bytes a raw destination buffers ahead of its decoder before it stops reading. */
  public int receiveBuffer() {
    return receiveBuffer;
  }

  /** The channel's write buffer marks: a source stops producing above high, resumes below low. */
  public WriteBufferWaterMark waterMark() {
    return waterMark;
  }

  /** TLS, if configured: a server context must require client certificates. */
  public Optional<SslContext> ssl() {
    return Optional.ofNullable(ssl);
  }

  /** Where progress is reported ({@link ProgressListener#NONE} by default). */
  public ProgressListener progress() {
    return progress;
  }

  /** Mutable builder for {@link TransportOptions}. */
  public static final class Builder {
    private int maxFrameLength = DEFAULT_MAX_FRAME;
    private Duration idleTimeout = Duration.ofSeconds(30);
    private long maxStagedBytes = 1L << 30;
    private long maxReceiverStagedBytes = 2L << 30;
    private int receiveBuffer = 4 << 20;
    private long minBytesPerSecond = 1024;
    private Duration floorWindow = Duration.ofSeconds(30);
    private Duration deadline = Duration.ofHours(24);
    private WriteBufferWaterMark waterMark = new WriteBufferWaterMark(1 << 20, 4 << 20);
    private SslContext ssl;
    private ProgressListener progress = ProgressListener.NONE;

    private Builder() {}

    /** The largest frame body accepted and sent, 4096 to 2^31-5 bytes. */
    public Builder maxFrameLength(int bytes) {
      checkArgument(
          bytes >= 4096 && bytes <= Integer.MAX_VALUE - FrameDecoder.PREFIX,
          "maxFrameLength: %s (expected: 4096..2^31-5)",
          bytes);
      this.maxFrameLength = bytes;
      return this;
    }

    /** How long no byte may move before the migration fails as timed out (positive). */
    public Builder idleTimeout(Duration d) {
      checkArgument(!d.isNegative() && !d.isZero(), "idleTimeout: %s (expected: > 0)", d);
      this.idleTimeout = d;
      return this;
    }

    /** The progress floor: at least {@code bytesPerSecond} on average over every {@code window}. */
    public Builder progressFloor(long bytesPerSecond, Duration window) {
      checkArgument(bytesPerSecond >= 0, "bytesPerSecond: %s (expected: >= 0)", bytesPerSecond);
      checkArgument(
          window.toMillis() >= 10, "progress floor window: %s (expected: >= 10 ms)", window);
      this.minBytesPerSecond = bytesPerSecond;
      this.floorWindow = window;
      return this;
    }

    /** The longest a migration may run from its connection to its end (positive). */
    public Builder deadline(Duration d) {
      checkArgument(!d.isNegative() && !d.isZero(), "deadline: %s (expected: > 0)", d);
      this.deadline = d;
      return this;
    }

    /** The most section bytes a framed destination stages (positive). */
    public Builder maxStagedBytes(long bytes) {
      checkArgument(bytes > 0, "maxStagedBytes: %s (expected: > 0)", bytes);
      this.maxStagedBytes = bytes;
      return this;
    }

    /**
     * The most section bytes a framed destination stages for all its migrations at once (positive).
     */
    public Builder maxReceiverStagedBytes(long bytes) {
      checkArgument(bytes > 0, "maxReceiverStagedBytes: %s (expected: > 0)", bytes);
      this.maxReceiverStagedBytes = bytes;
      return this;
    }

    /** The most bytes a raw destination buffers ahead of its decoder (at least 4096). */
    public Builder receiveBuffer(int bytes) {
      checkArgument(bytes >= 4096, "receiveBuffer: %s (expected: >= 4096)", bytes);
      this.receiveBuffer = bytes;
      return this;
    }

    /** The channel's write buffer marks (not null). */
    public Builder waterMark(WriteBufferWaterMark marks) {
      this.waterMark = checkNotNull(marks, "marks");
      return this;
    }

    /** TLS for the connection, or {@code null} for plain TCP. */
    public Builder ssl(SslContext ssl) {
      this.ssl = ssl;
      return this;
    }

    /** Where progress is reported (not null). */
    public Builder progress(ProgressListener listener) {
      this.progress = checkNotNull(listener, "listener");
      return this;
    }

    /** The options as set. */
    public TransportOptions build() {
      return new TransportOptions(this);
    }
  }
}
