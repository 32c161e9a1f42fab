package io.vmstate.transport;

import static com.google.common.base.Preconditions.checkNotNull;

import io.netty.buffer.ByteBuf;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.Function;

/**
 * A raw sink that receives a stream into a file: {@code FILE.partial} while it arrives (optionally
 * decoded as it arrives by an {@link IncrementalDecoder}), then a {@link RawStreamSink.FileCheck}
 * over the complete file, then the check that the file holds exactly the bytes received ({@link
 * ReceivedFileCheck.Received}), then an atomic move to {@code FILE}. A failed migration (or
 * decoding, or check) deletes the partial file and leaves {@code FILE} as it was.
 *
 * <p>{@link MigrationDestination} feeds it on the event loop ({@link EventLoopSink}): every
 * received buffer goes straight to the file channel and then through the decoder, with no copy
 * through the Java heap and no thread hand-off; only the end (the rest of the decoding, the check,
 * the move) runs on a decoder thread, once the peer closed the connection.
 */
public final class FileReceiver implements EventLoopSink {
  private final Path file;
  private final Function<Runnable, IncrementalDecoder> decoders;
  private final FileCheck check;
  private final boolean keepUndecoded;

  /**
   * @param decoders makes the decoder of one reception from its per-section callback, or null to
   *     only write the file
   */
  FileReceiver(Path file, Function<Runnable, IncrementalDecoder> decoders, FileCheck check) {
    this(file, decoders, check, true);
  }

  private FileReceiver(
      Path file,
      Function<Runnable, IncrementalDecoder> decoders,
      FileCheck check,
      boolean keepUndecoded) {
    this.file = checkNotNull(file, "file").toAbsolutePath();
    this.decoders = decoders;
    this.check = checkNotNull(check, "check");
    this.keepUndecoded = keepUndecoded;
  }

  /**
   * This receiver, except that a stream that does not decode is never kept, even when it arrived
   * whole, and fails at the first bad byte: for a sender that is told the outcome (a framed
   * whole-stream session), unlike a raw sender that considers the stream migrated.
   */
  FileReceiver keepingOnlyDecoded() {
    return new FileReceiver(file, decoders, check, false);
  }

  /** The file the stream is written to once it ended cleanly. */
  public Path file() {
    return file;
  }

  /** Starts one reception: creates (truncates) {@code FILE.partial}. */
  @Override
  public Receiving open(Runnable sectionDone) throws IOException {
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    return new Receiving(
        partial,
        FileChannel.open(
            partial,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING),
        decoders == null ? null : decoders.apply(sectionDone),
        sectionDone);
  }

  /** One reception in progress; {@link #write} on the event loop, then complete or abort. */
  final class Receiving implements Reception {
    private final Path partial;
    private final FileChannel channel;
    private final IncrementalDecoder decoder;
    private final Runnable sectionDone;
    private long bytes;
    private final ReceivedFileCheck.Received received = new ReceivedFileCheck.Received();
    // What stopped the decoding as the stream arrived; the bytes are still received and kept.
    private VmStateException undecoded;

    private Receiving(
        Path partial, FileChannel channel, IncrementalDecoder decoder, Runnable sectionDone) {
      this.partial = partial;
      this.channel = channel;
      this.decoder = decoder;
      this.sectionDone = sectionDone;
    }

    @Override
    public long bytes() {
      return bytes;
    }

    /** Writes all readable bytes of {@code buf} (which stays the caller's), then decodes them. */
    @Override
    public void write(ByteBuf buf) throws IOException, VmStateException {
      int n = buf.readableBytes();
      if (buf.nioBufferCount() == 1) {
        ByteBuffer b = buf.internalNioBuffer(buf.readerIndex(), n);
        received.update(b);
        while (b.hasRemaining()) {
          channel.write(b);
        }
      } else {
        for (ByteBuffer b : buf.nioBuffers()) {
          received.update(b);
          while (b.hasRemaining()) {
            channel.write(b);
          }
        }
      }
      bytes += n;
      if (decoder != null && undecoded == null) {
        try {
          decoder.feed(buf);
        } catch (VmStateException e) {
          if (!keepUndecoded) {
            throw e;
          }
          undecoded = e; // the sender goes on: what it considers migrated is kept (complete)
        }
      }
    }

    /**
     * The stream ended cleanly: finish decoding, check the whole file, move it into place. When the
     * stream arrived whole but part of it cannot be decoded (anything but a truncation), the sender
     * considers it migrated: the bytes are kept as {@code FILE} all the same, and the failure says
     * so ({@link VmStateDecodeException#keptUndecoded}).
     */
    @Override
    public void complete() throws IOException, VmStateException {
      try {
        channel.close();
        if (decoder != null && undecoded == null) {
          try {
            decoder.finish(partial);
          } catch (VmStateException e) {
            undecoded = e;
          }
        }
        if (undecoded != null) {
          if (!keepUndecoded || !decoder.arrivedWhole(undecoded)) {
            throw undecoded;
          }
          move();
          throw VmStateDecodeException.keptUndecoded(file.toString(), undecoded);
        }
        check.check(partial, sectionDone);
        move();
      } catch (IOException | VmStateException | RuntimeException e) {
        abort(e);
        throw e;
      }
    }

    /** Moves the staged file into place once it proved to hold exactly the bytes received. */
    private void move() throws IOException, VmStateException {
      received.check(partial);
      Files.move(
          partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The migration failed: drop the partial file. */
    @Override
    public void abort() {
      abort(null);
    }

    private void abort(Exception failure) {
      try {
        channel.close();
        Files.deleteIfExists(partial);
      } catch (IOException e) {
        if (failure != null) {
          failure.addSuppressed(e);
        }
      }
    }
  }
}
