package io.vmstate.transport;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.vmstate.api.IncompatibleSchemaException;
import io.vmstate.api.VmStateException;
import io.vmstate.transport.proto.Complete;
import io.vmstate.transport.proto.DeviceSchema;
import io.vmstate.transport.proto.Envelope;
import io.vmstate.transport.proto.Hello;
import io.vmstate.transport.proto.SectionFrame;
import io.vmstate.transport.proto.Verdict;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The source end of a framed session: Hello, wait for the Verdict, then section frames for as long
 * as the channel is writable (resuming when it becomes writable again), Complete, and wait for the
 * destination's Complete, which says everything was applied.
 *
 * <p>Sections larger than a frame are cut into chunks of {@link #chunkSize} bytes; each chunk
 * carries its own CRC32C. Only the section being sent is held beyond the channel's write buffer.
 */
final class FramedSourceHandler extends SessionHandler {
  /** Room left in a frame for the SectionFrame fields around the data. */
  static final int FRAME_OVERHEAD = 1024;

  /** Version of the framed protocol this code speaks. */
  static final int PROTOCOL_VERSION = 1;

  private enum State {
    CONNECTING,
    AWAIT_VERDICT,
    STREAMING,
    AWAIT_COMPLETE
  }

  /** The Hello capability of a session that carries a whole QEMU stream in StreamChunks. */
  static final String WHOLE_STREAM = "whole-stream";

  /** The Hello capability of a source whose stream has no section footers (machine types ≤ 2.3). */
  static final String NO_SECTION_FOOTERS = "no-section-footers";

  private final SectionSource source;
  private final WholeStream whole;
  private FileChannel in;
  private final String producer;
  private final int chunkSize;
  private State state = State.CONNECTING;
  private SectionData current;
  private int offset;
  private long bytesSent;
  private int sectionsSent;
  private long bytesAcked;

  FramedSourceHandler(
      MigrationSession session, TransportOptions options, SectionSource source, String producer) {
    this(session, options, source, null, producer);
  }

  FramedSourceHandler(
      MigrationSession session, TransportOptions options, WholeStream whole, String producer) {
    this(session, options, SectionSource.of(whole.devices(), List.of()), whole, producer);
  }

  private FramedSourceHandler(
      MigrationSession session,
      TransportOptions options,
      SectionSource source,
      WholeStream whole,
      String producer) {
    super(session, options);
    this.source = source;
    this.whole = whole;
    this.producer = producer;
    this.chunkSize = options.maxFrameLength() - FRAME_OVERHEAD;
  }

  @Override
  void start(ChannelHandlerContext ctx) {
    Hello.Builder hello =
        Hello.newBuilder().setProtocolVersion(PROTOCOL_VERSION).setProducer(producer);
    if (whole != null) {
      hello.addCapabilities(WHOLE_STREAM);
    }
    if (!source.sectionFooters()) {
      hello.addCapabilities(NO_SECTION_FOOTERS);
    }
    for (DeviceInfo d : source.devices()) {
      hello.addDevices(
          DeviceSchema.newBuilder()
              .setIdstr(d.idstr())
              .setInstanceId((int) d.instanceId())
              .setVersion(d.version())
              .setMinimumVersion(d.minimumVersion())
              .setSchema(d.schema()));
    }
    state = State.AWAIT_VERDICT;
    ctx.writeAndFlush(Envelope.newBuilder().setHello(hello).build())
        .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
  }

  @Override
  void onMessage(ChannelHandlerContext ctx, Envelope msg) throws VmStateException {
    switch (msg.getBodyCase()) {
      case VERDICT -> {
        expect(State.AWAIT_VERDICT, "Verdict");
        Verdict v = msg.getVerdict();
        if (!v.getAccepted()) {
          List<String> problems = new ArrayList<>();
          v.getProblemsList()
              .forEach(
                  p ->
                      problems.add(
                          new Problem(
                                  p.getIdstr(),
                                  Integer.toUnsignedLong(p.getInstanceId()),
                                  p.getKind(),
                                  p.getMessage())
                              .toString()));
          if (problems.isEmpty()) {
            problems.add("the destination refused the migration without naming a problem");
          }
          throw IncompatibleSchemaException.of(problems);
        }
        state = State.STREAMING;
        if (whole != null) {
          try {
            in = FileChannel.open(whole.file(), StandardOpenOption.READ);
          } catch (IOException e) {
            throw MigrationTransportException.localIo("reading " + whole.file(), e);
          }
        }
        pump(ctx);
      }
      case ACK -> {
        if (state != State.STREAMING && state != State.AWAIT_COMPLETE) {
          throw MigrationTransportException.protocolViolation("Ack before the Verdict");
        }
        bytesAcked = msg.getAck().getBytes();
        session.progress(bytesAcked, msg.getAck().getSections());
        options.progress().onProgress(session, bytesAcked, msg.getAck().getSections());
      }
      case COMPLETE -> {
        expect(State.AWAIT_COMPLETE, "Complete");
        Complete c = msg.getComplete();
        if (whole != null) {
          sectionsSent = whole.devices().size();
        }
        if (c.getSections() != sectionsSent || c.getBytes() != bytesSent) {
          throw MigrationTransportException.protocolViolation(
              "the destination confirmed "
                  + c.getSections()
                  + " sections / "
                  + c.getBytes()
                  + " bytes, "
                  + sectionsSent
                  + " / "
                  + bytesSent
                  + " were sent");
        }
        session.progress(bytesSent, sectionsSent);
        succeed(ctx, null);
      }
      default ->
          throw MigrationTransportException.protocolViolation(
              "a " + msg.getBodyCase() + " message sent to a source");
    }
  }

  private void expect(State wanted, String what) throws MigrationTransportException {
    if (state != wanted) {
      throw MigrationTransportException.protocolViolation(what + " received while " + waitingFor());
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (state == State.STREAMING && !ended() && ctx.channel().isWritable()) {
      try {
        pump(ctx);
      } catch (VmStateException e) {
        fail(ctx, e);
      }
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** Writes frames while the channel takes them; ends with Complete when the source is drained. */
  private void pump(ChannelHandlerContext ctx) throws VmStateException {
    boolean wrote = false;
    while (ctx.channel().isWritable() && !peerGone() && !ended()) {
      Object frame = whole != null ? nextChunk(ctx) : nextFrame();
      wrote = true;
      if (frame == null) {
        state = State.AWAIT_COMPLETE;
        ctx.write(
                Envelope.newBuilder()
                    .setComplete(
                        Complete.newBuilder()
                            .setSections(whole != null ? whole.devices().size() : sectionsSent)
                            .setBytes(bytesSent))
                    .build())
            .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        break;
      }
      ctx.write(frame).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }
    if (wrote) {
      ctx.flush();
    }
  }

  /**
   * The next chunk of the whole stream as one encoded frame, or null once all of it was sent. The
   * file is read straight into the frame's (direct, pooled) buffer behind the frame headers, and
   * its CRC32C is taken there, so the chunk's bytes are copied once, from the page cache, as a
   * plain socket copy copies them ({@link EnvelopeEncoder#streamChunkFrame}).
   */
  private ByteBuf nextChunk(ChannelHandlerContext ctx) throws VmStateException {
    long left = whole.size() - bytesSent;
    if (left == 0) {
      closeInput();
      return null;
    }
    int n = (int) Math.min(left, chunkSize);
    ByteBuf frame = EnvelopeEncoder.streamChunkFrameStart(ctx.alloc(), n);
    boolean done = false;
    try {
      int dataAt = frame.writerIndex();
      while (frame.writerIndex() - dataAt < n) {
        int got =
            frame.writeBytes(
                in, bytesSent + frame.writerIndex() - dataAt, dataAt + n - frame.writerIndex());
        if (got < 0) {
          throw MigrationTransportException.localIo(
              "reading " + whole.file(),
              new EOFException(
                  whole.file()
                      + " is shorter than when it was opened ("
                      + whole.size()
                      + " bytes)"));
        }
      }
      EnvelopeEncoder.streamChunkFrameEnd(frame, dataAt, n);
      done = true;
    } catch (IOException e) {
      throw MigrationTransportException.localIo("reading " + whole.file(), e);
    } finally {
      if (!done) {
        frame.release();
      }
    }
    bytesSent += n;
    return frame;
  }

  private void closeInput() {
    if (in != null) {
      try {
        in.close();
      } catch (IOException e) {
        // read-only: nothing was lost
      }
      in = null;
    }
  }

  @Override
  void onFailed(VmStateException e) {
    closeInput();
  }

  private Envelope nextFrame() throws VmStateException {
    if (current == null) {
      current = source.next();
      offset = 0;
      if (current == null) {
        return null;
      }
    }
    ByteString all = current.data();
    int end = (int) Math.min(all.size(), (long) offset + chunkSize);
    ByteString chunk = all.substring(offset, end);
    boolean last = end == all.size();
    SectionFrame frame =
        SectionFrame.newBuilder()
            .setSectionId(current.sectionId())
            .setIdstr(current.ref().idstr())
            .setInstanceId((int) current.ref().instanceId())
            .setVersion(current.ref().versionId())
            .setData(chunk)
            .setCrc32C(Crc.of(chunk))
            .setLast(last)
            .build();
    bytesSent += chunk.size();
    offset = end;
    if (last) {
      sectionsSent++;
      current = null;
    }
    return Envelope.newBuilder().setSection(frame).build();
  }

  @Override
  MigrationResult.Outcome outcome() {
    return MigrationResult.Outcome.APPLIED;
  }

  @Override
  String waitingFor() {
    return switch (state) {
      case CONNECTING -> "connecting";
      case AWAIT_VERDICT -> "waiting for the destination's verdict";
      case STREAMING -> whole != null ? "sending the stream" : "sending sections";
      case AWAIT_COMPLETE -> "waiting for the destination to apply the state";
    };
  }
}
