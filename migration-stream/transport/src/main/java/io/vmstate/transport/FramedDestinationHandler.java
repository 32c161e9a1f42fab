package io.vmstate.transport;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.vmstate.api.IncompatibleSchemaException;
import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateException;
import io.vmstate.transport.proto.Ack;
import io.vmstate.transport.proto.Complete;
import io.vmstate.transport.proto.DeviceSchema;
import io.vmstate.transport.proto.Envelope;
import io.vmstate.transport.proto.ErrorReason;
import io.vmstate.transport.proto.Hello;
import io.vmstate.transport.proto.ProblemKind;
import io.vmstate.transport.proto.SectionFrame;
import io.vmstate.transport.proto.StreamChunk;
import io.vmstate.transport.proto.Verdict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The destination end of one framed session. Answers the Hello with a pre-flight Verdict, stages
 * every section (CRC32C checked per frame, sections only from the announced set, each once, staged
 * bytes bounded), checks the totals in the source's Complete, and only then applies everything to
 * its {@link MigrationTarget} at once. Any failure before that drops the staged sections: the
 * target never sees a partial migration.
 */
final class FramedDestinationHandler extends SessionHandler {
  private enum State {
    AWAIT_HELLO,
    STREAMING,
    APPLYING
  }

  private final MigrationTarget target;
  private State state = State.AWAIT_HELLO;
  private final Map<String, DeviceInfo> announced = new HashMap<>();
  private final Set<String> received = new HashSet<>();
  private final List<SectionData> staged = new ArrayList<>();
  private SectionFrame open;
  private ByteString openData = ByteString.EMPTY;
  private long stagedBytes;
  private final StagingBudget budget;
  private long reserved;

  /** Whole-stream session: the reception the stream chunks go to, and what it counted. */
  private EventLoopSink.Reception stream;

  private boolean wholeStream;
  private boolean sectionFooters = true;
  private long streamBytes;
  private int decoded;

  FramedDestinationHandler(
      MigrationSession session,
      TransportOptions options,
      MigrationTarget target,
      StagingBudget budget) {
    super(session, options);
    this.target = target;
    this.budget = budget;
  }

  @Override
  void start(ChannelHandlerContext ctx) {
    // Nothing to send: the source speaks first.
  }

  @Override
  void onMessage(ChannelHandlerContext ctx, Envelope msg) throws VmStateException {
    switch (msg.getBodyCase()) {
      case HELLO -> onHello(ctx, msg.getHello());
      case SECTION -> onSection(ctx, msg.getSection());
      case STREAM -> onStreamChunk(ctx, msg.getStream());
      case COMPLETE -> onComplete(ctx, msg.getComplete());
      default ->
          throw MigrationTransportException.protocolViolation(
              "a " + msg.getBodyCase() + " message sent to a destination");
    }
  }

  private void onHello(ChannelHandlerContext ctx, Hello hello) throws VmStateException {
    if (state != State.AWAIT_HELLO) {
      throw MigrationTransportException.protocolViolation("a second Hello");
    }
    if (budget.limit() - budget.used() < options.maxFrameLength()) {
      throw MigrationTransportException.limitExceeded(
          "this receiver is busy: section bytes staged by its other sessions,",
          budget.used(),
          budget.limit());
    }
    List<DeviceInfo> devices = new ArrayList<>();
    for (DeviceSchema d : hello.getDevicesList()) {
      if (d.getIdstr().isEmpty() || d.getIdstr().length() > 255) {
        throw MigrationTransportException.protocolViolation(
            "a device with an idstr of " + d.getIdstr().length() + " characters (expected 1..255)");
      }
      if (d.getVersion() < 0
          || d.getMinimumVersion() < 0
          || d.getMinimumVersion() > d.getVersion()) {
        throw MigrationTransportException.protocolViolation(
            "device '"
                + d.getIdstr()
                + "' announced with versions "
                + Integer.toUnsignedString(d.getMinimumVersion())
                + ".."
                + Integer.toUnsignedString(d.getVersion())
                + " (expected 0 <= minimum <= version < 2^31)");
      }
      devices.add(
          new DeviceInfo(
              d.getIdstr(),
              Integer.toUnsignedLong(d.getInstanceId()),
              d.getVersion(),
              d.getMinimumVersion(),
              d.getSchema()));
    }
    List<Problem> problems = new ArrayList<>();
    if (hello.getProtocolVersion() != FramedSourceHandler.PROTOCOL_VERSION) {
      problems.add(
          new Problem(
              "",
              0,
              ProblemKind.UNSUPPORTED_PROTOCOL,
              "protocol version "
                  + Integer.toUnsignedString(hello.getProtocolVersion())
                  + " is not supported (this destination speaks "
                  + FramedSourceHandler.PROTOCOL_VERSION
                  + ")"));
    } else if (hello.getCapabilitiesList().contains(FramedSourceHandler.WHOLE_STREAM)
        && !(target instanceof StreamTarget)) {
      problems.add(
          new Problem(
              "",
              0,
              ProblemKind.UNSUPPORTED_PROTOCOL,
              "the source sends a whole stream; this destination takes device sections only (send"
                  + " with --device-state-only)"));
    } else if (!hello.getCapabilitiesList().contains(FramedSourceHandler.WHOLE_STREAM)
        && target instanceof StreamTarget t
        && !t.takesDeviceStateOnly()) {
      problems.add(
          new Problem(
              "",
              0,
              ProblemKind.UNSUPPORTED_PROTOCOL,
              "the source sends device state only, which this destination cannot decode (no"
                  + " vmdesc); send the whole stream, or receive with --device-state-only"));
    } else {
      problems.addAll(target.preflight(devices));
      if (ended()) {
        return; // cancelled from within the preflight: the Error is already on its way
      }
    }
    Verdict.Builder verdict = Verdict.newBuilder().setAccepted(problems.isEmpty());
    for (Problem p : problems) {
      verdict.addProblems(
          io.vmstate.transport.proto.Problem.newBuilder()
              .setIdstr(p.idstr())
              .setInstanceId((int) p.instanceId())
              .setKind(p.kind())
              .setMessage(p.message()));
    }
    Envelope reply = Envelope.newBuilder().setVerdict(verdict).build();
    if (!problems.isEmpty()) {
      ctx.writeAndFlush(reply);
      throw IncompatibleSchemaException.of(problems.stream().map(Problem::toString).toList());
    }
    for (DeviceInfo d : devices) {
      announced.put(key(d.idstr(), d.instanceId()), d);
    }
    sectionFooters = !hello.getCapabilitiesList().contains(FramedSourceHandler.NO_SECTION_FOOTERS);
    if (hello.getCapabilitiesList().contains(FramedSourceHandler.WHOLE_STREAM)) {
      wholeStream = true;
      try {
        stream = ((StreamTarget) target).openStream(() -> decoded++, this::checkDecoded);
      } catch (IOException e) {
        throw MigrationTransportException.localIo("opening the received stream's file", e);
      }
    }
    state = State.STREAMING;
    ctx.writeAndFlush(reply).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
  }

  /** Whole stream, before the file is kept: it held exactly the device sections announced. */
  private void checkDecoded(Path partial, Runnable sectionDone) throws VmStateException {
    if (decoded != announced.size()) {
      throw MigrationTransportException.protocolViolation(
          "the stream holds "
              + decoded
              + " device sections, the Hello announced "
              + announced.size());
    }
  }

  private void onStreamChunk(ChannelHandlerContext ctx, StreamChunk c) throws VmStateException {
    if (state != State.STREAMING || !wholeStream) {
      throw MigrationTransportException.protocolViolation(
          state != State.STREAMING
              ? "a StreamChunk before the Verdict"
              : "a StreamChunk in a session whose Hello did not announce a whole stream");
    }
    if (Crc.of(c.getData()) != c.getCrc32C()) {
      throw MigrationTransportException.crcMismatchAt(streamBytes);
    }
    ByteBuf buf = Unpooled.wrappedBuffer(c.getData().asReadOnlyByteBuffer());
    try {
      stream.write(buf);
    } catch (IOException e) {
      throw MigrationTransportException.localIo("writing the received stream", e);
    } finally {
      buf.release();
    }
    streamBytes += c.getData().size();
    session.progress(streamBytes, decoded);
    options.progress().onProgress(session, streamBytes, decoded);
    ctx.writeAndFlush(
            Envelope.newBuilder()
                .setAck(Ack.newBuilder().setSections(decoded).setBytes(streamBytes))
                .build())
        .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
  }

  /** Whole stream: the totals agree; decode what waited for the vmdesc, check, keep the file. */
  private void completeStream(ChannelHandlerContext ctx, Complete c) throws VmStateException {
    if (c.getBytes() != streamBytes || c.getSections() != announced.size()) {
      throw MigrationTransportException.protocolViolation(
          "the source counts "
              + Integer.toUnsignedString(c.getSections())
              + " sections / "
              + c.getBytes()
              + " bytes, "
              + announced.size()
              + " announced / "
              + streamBytes
              + " arrived");
    }
    state = State.APPLYING;
    EventLoopSink.Reception r = stream;
    stream = null;
    try {
      r.complete();
    } catch (IOException e) {
      throw MigrationTransportException.localIo("writing the received stream", e);
    }
    session.progress(streamBytes, decoded);
    options.progress().onProgress(session, streamBytes, decoded);
    succeed(
        ctx,
        Envelope.newBuilder()
            .setComplete(Complete.newBuilder().setSections(decoded).setBytes(streamBytes))
            .build());
  }

  private void onSection(ChannelHandlerContext ctx, SectionFrame f) throws VmStateException {
    if (state != State.STREAMING) {
      throw MigrationTransportException.protocolViolation("a SectionFrame before the Verdict");
    }
    long instance = Integer.toUnsignedLong(f.getInstanceId());
    String key = key(f.getIdstr(), instance);
    DeviceInfo device = announced.get(key);
    SectionRef ref = new SectionRef(f.getIdstr(), instance, f.getVersion());
    if (device == null || device.version() != f.getVersion()) {
      throw (VmStateException)
          MigrationTransportException.protocolViolation(
                  "a section that the Hello did not announce at this version")
              .inSection(ref);
    }
    if (open != null
        && (open.getSectionId() != f.getSectionId()
            || !open.getIdstr().equals(f.getIdstr())
            || open.getInstanceId() != f.getInstanceId())) {
      throw MigrationTransportException.protocolViolation(
              "a new section started before section " + open.getSectionId() + " ended")
          .inSection(ref);
    }
    if (open == null && received.contains(key)) {
      throw MigrationTransportException.protocolViolation("a section sent twice").inSection(ref);
    }
    if (Crc.of(f.getData()) != f.getCrc32C()) {
      throw MigrationTransportException.crcMismatch(ref);
    }
    stagedBytes += f.getData().size();
    if (stagedBytes > options.maxStagedBytes()) {
      throw MigrationTransportException.limitExceeded(
          "staged section bytes", stagedBytes, options.maxStagedBytes());
    }
    if (!budget.tryReserve(f.getData().size())) {
      throw MigrationTransportException.limitExceeded(
          "section bytes staged by all sessions of this receiver",
          budget.used() + f.getData().size(),
          budget.limit());
    }
    reserved += f.getData().size();
    openData = openData.concat(f.getData());
    open = f;
    if (f.getLast()) {
      staged.add(new SectionData(f.getSectionId(), ref, openData));
      received.add(key);
      open = null;
      openData = ByteString.EMPTY;
      session.progress(stagedBytes, staged.size());
      options.progress().onProgress(session, stagedBytes, staged.size());
      ctx.writeAndFlush(
              Envelope.newBuilder()
                  .setAck(
                      Ack.newBuilder()
                          .setSectionId(f.getSectionId())
                          .setSections(staged.size())
                          .setBytes(stagedBytes))
                  .build())
          .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }
  }

  private void onComplete(ChannelHandlerContext ctx, Complete c) throws VmStateException {
    if (state != State.STREAMING) {
      throw MigrationTransportException.protocolViolation("Complete before the Verdict");
    }
    if (wholeStream) {
      completeStream(ctx, c);
      return;
    }
    if (open != null) {
      throw MigrationTransportException.protocolViolation(
          "Complete while section " + open.getSectionId() + " is unfinished");
    }
    if (c.getSections() != staged.size() || c.getBytes() != stagedBytes) {
      throw MigrationTransportException.protocolViolation(
          "the source counts "
              + Integer.toUnsignedString(c.getSections())
              + " sections / "
              + c.getBytes()
              + " bytes, "
              + staged.size()
              + " / "
              + stagedBytes
              + " arrived");
    }
    state = State.APPLYING;
    List<SectionData> all = List.copyOf(staged);
    staged.clear();
    try {
      target.apply(all, sectionFooters);
    } finally {
      releaseStaged();
    }
    succeed(
        ctx,
        Envelope.newBuilder()
            .setComplete(Complete.newBuilder().setSections(all.size()).setBytes(stagedBytes))
            .build());
  }

  @Override
  void onFailed(VmStateException e) {
    if (stream != null) {
      stream.abort();
      stream = null;
    }
    releaseStaged();
    staged.clear();
    open = null;
    openData = ByteString.EMPTY;
  }

  private void releaseStaged() {
    budget.release(reserved);
    reserved = 0;
  }

  @Override
  ErrorReason reasonToReport(VmStateException e) {
    if (e instanceof IncompatibleSchemaException) {
      return null;
    }
    if ((state == State.APPLYING || wholeStream) && !(e instanceof MigrationTransportException)) {
      return ErrorReason.APPLY_FAILED;
    }
    return super.reasonToReport(e);
  }

  @Override
  MigrationResult.Outcome outcome() {
    return MigrationResult.Outcome.APPLIED;
  }

  @Override
  String waitingFor() {
    return switch (state) {
      case AWAIT_HELLO -> "waiting for the source's Hello";
      case STREAMING -> wholeStream ? "receiving the stream" : "receiving sections";
      case APPLYING -> "applying the state";
    };
  }

  private static String key(String idstr, long instance) {
    return idstr + '\0' + instance;
  }
}
