package io.vmstate.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.EncoderException;
import io.vmstate.transport.proto.Ack;
import io.vmstate.transport.proto.Complete;
import io.vmstate.transport.proto.DeviceSchema;
import io.vmstate.transport.proto.Envelope;
import io.vmstate.transport.proto.Error;
import io.vmstate.transport.proto.ErrorReason;
import io.vmstate.transport.proto.Hello;
import io.vmstate.transport.proto.Problem;
import io.vmstate.transport.proto.ProblemKind;
import io.vmstate.transport.proto.SectionFrame;
import io.vmstate.transport.proto.Verdict;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakWatch.class)
class FrameCodecTest {
  private static final int MAX = 64 * 1024;

  static List<Envelope> samples() {
    byte[] data = new byte[3000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31);
    }
    ByteString bytes = ByteString.copyFrom(data);
    return List.of(
        Envelope.newBuilder()
            .setHello(
                Hello.newBuilder()
                    .setProtocolVersion(1)
                    .setProducer("test")
                    .addCapabilities("x")
                    .addDevices(
                        DeviceSchema.newBuilder()
                            .setIdstr("arm_gicv3")
                            .setVersion(3)
                            .setMinimumVersion(1)
                            .setSchema(ByteString.copyFromUtf8("{}"))))
            .build(),
        Envelope.newBuilder()
            .setVerdict(
                Verdict.newBuilder()
                    .setAccepted(false)
                    .addProblems(
                        Problem.newBuilder()
                            .setIdstr("a")
                            .setKind(ProblemKind.UNKNOWN_SECTION)
                            .setMessage("m")))
            .build(),
        Envelope.newBuilder()
            .setSection(
                SectionFrame.newBuilder()
                    .setSectionId(7)
                    .setIdstr("arm_gicv3")
                    .setInstanceId(0)
                    .setVersion(3)
                    .setData(bytes)
                    .setCrc32C(Crc.of(bytes))
                    .setLast(true))
            .build(),
        Envelope.newBuilder()
            .setAck(Ack.newBuilder().setSectionId(7).setSections(1).setBytes(3000))
            .build(),
        Envelope.newBuilder()
            .setComplete(Complete.newBuilder().setSections(1).setBytes(3000))
            .build(),
        Envelope.newBuilder()
            .setError(Error.newBuilder().setReason(ErrorReason.CRC_MISMATCH).setMessage("bad"))
            .build());
  }

  private static byte[] encode(Envelope e) {
    EmbeddedChannel ch = new EmbeddedChannel(new EnvelopeEncoder(MAX));
    ch.writeOutbound(e);
    ByteBuf out = ch.readOutbound();
    byte[] bytes = new byte[out.readableBytes()];
    out.readBytes(bytes);
    out.release();
    assertFalse(ch.finish());
    return bytes;
  }

  private static EmbeddedChannel decoder() {
    return new EmbeddedChannel(new FrameDecoder(MAX), new EnvelopeDecoder());
  }

  /**
   * Closing a channel whose decoder failed decodes the leftover bytes once more, which fails the
   * same way; a session handler would have closed the channel at the first failure.
   */
  private static void finishFailed(EmbeddedChannel ch) {
    DecoderException again = assertThrows(DecoderException.class, ch::finishAndReleaseAll);
    assertInstanceOf(MigrationTransportException.class, again.getCause());
  }

  @Test
  void encodesLengthPrefixThenMessage() {
    for (Envelope e : samples()) {
      byte[] b = encode(e);
      int len =
          ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
      assertEquals(e.getSerializedSize(), len);
      assertEquals(4 + len, b.length);
    }
  }

  @Test
  void decodesEveryMessageSplitAtEveryByte() {
    for (Envelope e : samples()) {
      byte[] b = encode(e);
      for (int split = 0; split <= b.length; split++) {
        EmbeddedChannel ch = decoder();
        ByteBuf first = Unpooled.copiedBuffer(b, 0, split);
        ByteBuf second = Unpooled.copiedBuffer(b, split, b.length - split);
        ch.writeInbound(first);
        if (split < b.length) {
          assertNull(ch.readInbound(), "no message before the frame is complete");
        }
        ch.writeInbound(second);
        assertEquals(e, ch.readInbound());
        assertNull(ch.readInbound());
        if (split > 0) {
          assertEquals(0, first.refCnt());
        }
        if (split < b.length) {
          assertEquals(0, second.refCnt());
        }
        assertFalse(ch.finish());
      }
    }
  }

  @Test
  void decodesAllMessagesOneByteAtATime() {
    EmbeddedChannel ch = decoder();
    List<Envelope> got = new ArrayList<>();
    List<ByteBuf> fed = new ArrayList<>();
    for (Envelope e : samples()) {
      for (byte x : encode(e)) {
        ByteBuf one = Unpooled.buffer(1).writeByte(x);
        fed.add(one);
        ch.writeInbound(one);
        Object m;
        while ((m = ch.readInbound()) != null) {
          got.add((Envelope) m);
        }
      }
    }
    assertEquals(samples(), got);
    fed.forEach(b -> assertEquals(0, b.refCnt()));
    assertFalse(ch.finish());
  }

  @Test
  void oversizeLengthFailsAtThePrefix() {
    EmbeddedChannel ch = decoder();
    ByteBuf prefix = Unpooled.buffer(4).writeInt(MAX + 1);
    DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(prefix));
    MigrationTransportException t =
        assertInstanceOf(MigrationTransportException.class, e.getCause());
    assertEquals(MigrationTransportException.Kind.FRAME_TOO_LARGE, t.kind());
    assertEquals(
        "frame of 65537 bytes exceeds the maximum frame length of 65536 (a corrupt length prefix,"
            + " or a peer configured with a larger limit)",
        t.getMessage());
    finishFailed(ch);
    assertEquals(0, prefix.refCnt());
  }

  @Test
  void unsignedHugeLengthIsOversize() {
    EmbeddedChannel ch = decoder();
    DecoderException e =
        assertThrows(
            DecoderException.class, () -> ch.writeInbound(Unpooled.buffer(4).writeInt(0xffffffff)));
    assertEquals(
        MigrationTransportException.Kind.FRAME_TOO_LARGE,
        ((MigrationTransportException) e.getCause()).kind());
    assertEquals(
        "frame of 4294967295 bytes exceeds the maximum frame length of 65536 (a corrupt length"
            + " prefix, or a peer configured with a larger limit)",
        e.getCause().getMessage());
    finishFailed(ch);
  }

  @Test
  void garbageBodyIsProtocolViolation() {
    EmbeddedChannel ch = decoder();
    ByteBuf frame =
        Unpooled.buffer()
            .writeInt(3)
            .writeBytes(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
    DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(frame));
    MigrationTransportException t =
        assertInstanceOf(MigrationTransportException.class, e.getCause());
    assertEquals(MigrationTransportException.Kind.PROTOCOL_VIOLATION, t.kind());
    ch.finishAndReleaseAll();
    assertEquals(0, frame.refCnt());
  }

  @Test
  void emptyEnvelopeIsProtocolViolation() {
    EmbeddedChannel ch = decoder();
    DecoderException e =
        assertThrows(DecoderException.class, () -> ch.writeInbound(Unpooled.buffer().writeInt(0)));
    assertEquals(
        "protocol violation: a frame of 0 bytes carries no known message (is the peer a vmstate"
            + " endpoint of the same protocol?)",
        e.getCause().getMessage());
    ch.finishAndReleaseAll();
  }

  @Test
  void encoderRefusesOversizeMessageAndWritesNothing() {
    EmbeddedChannel ch = new EmbeddedChannel(new EnvelopeEncoder(4096));
    Envelope big =
        Envelope.newBuilder()
            .setSection(SectionFrame.newBuilder().setData(ByteString.copyFrom(new byte[5000])))
            .build();
    EncoderException e = assertThrows(EncoderException.class, () -> ch.writeOutbound(big));
    MigrationTransportException t =
        assertInstanceOf(MigrationTransportException.class, e.getCause());
    assertEquals(MigrationTransportException.Kind.FRAME_TOO_LARGE, t.kind());
    assertNull(ch.readOutbound());
    assertFalse(ch.finish());
  }

  @Test
  void constructorsEchoBadValues() {
    IllegalArgumentException a =
        assertThrows(IllegalArgumentException.class, () -> new FrameDecoder(0));
    assertEquals("maxFrameLength: 0 (expected: 1..2147483643)", a.getMessage());
    IllegalArgumentException b =
        assertThrows(IllegalArgumentException.class, () -> new EnvelopeEncoder(-5));
    assertEquals("maxFrameLength: -5 (expected: > 0)", b.getMessage());
  }

  /**
   * The sender's hand-built StreamChunk frame (file bytes read straight behind the headers) is byte
   * for byte what protobuf encodes for the same chunk, at every varint length boundary, and decodes
   * back to the same data and CRC.
   */
  @Test
  void streamChunkFramesAreProtobufsBytes() {
    // (never an empty chunk: protobuf leaves empty data and a zero CRC out, the sender never sends
    // one)
    for (int n : new int[] {1, 127, 128, 16383, 16384, MAX - 64}) {
      byte[] data = new byte[n];
      new java.util.Random(n).nextBytes(data);
      ByteString bytes = ByteString.copyFrom(data);
      Envelope env =
          Envelope.newBuilder()
              .setStream(
                  io.vmstate.transport.proto.StreamChunk.newBuilder()
                      .setData(bytes)
                      .setCrc32C(Crc.of(bytes)))
              .build();
      EmbeddedChannel enc = new EmbeddedChannel(new EnvelopeEncoder(MAX));
      enc.writeOutbound(env);
      ByteBuf want = enc.readOutbound();
      ByteBuf got = EnvelopeEncoder.streamChunkFrameStart(Unpooled.buffer().alloc(), n);
      int dataAt = got.writerIndex();
      got.writeBytes(data);
      EnvelopeEncoder.streamChunkFrameEnd(got, dataAt, n);
      assertEquals(want, got, "n=" + n);
      EmbeddedChannel dec = decoder();
      dec.writeInbound(got);
      Envelope back = dec.readInbound();
      assertEquals(env, back, "n=" + n);
      want.release();
      assertFalse(dec.finish());
      assertFalse(enc.finish());
    }
  }
}
