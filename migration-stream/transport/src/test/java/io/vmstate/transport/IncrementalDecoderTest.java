package io.vmstate.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.DeviceRegistry;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.StreamSource;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The push decoder: every split of a stream decodes like the pull reader, every truncation and a
 * corruption are typed errors with nothing applied, and through a channel (1-byte buffers) the
 * registry is loaded and the received file kept or dropped.
 */
@ExtendWith(LeakWatch.class)
class IncrementalDecoderTest {
  static byte[] stream;
  static byte[] expected;
  static byte[] sample;
  static byte[] empty;

  @TempDir Path dir;

  @BeforeAll
  static void streams() throws Exception {
    GicVm src = RamStreams.programmed();
    stream = RamStreams.withRam(src.registry());
    expected = src.registry().saveToBytes();
    empty = RamStreams.vm().registry().saveToBytes();
    try (InputStream in =
        StreamSource.class.getResourceAsStream(
            "/io/vmstate/testkit/streams/virt-gicv3-smp2.qemu")) {
      sample = in.readAllBytes();
    }
  }

  /** A decoder loading into a fresh registry; {@link #sections} counts decoded sections. */
  private static final class Load {
    final GicVm vm = RamStreams.vm();
    final byte[] before = empty;
    final AtomicInteger sections = new AtomicInteger();
    final DeviceRegistry.Loading loading =
        vm.registry().loading(DeviceRegistry.LoadOptions.DEFAULT);
    final IncrementalDecoder decoder;

    Load(ReaderOptions options) {
      decoder =
          new IncrementalDecoder(
              options,
              new IncrementalDecoder.Sections() {
                @Override
                public void configuration(StreamEvent.Configuration c) throws VmStateException {
                  loading.configuration(c);
                }

                @Override
                public boolean device(MigrationStreamReader r, StreamEvent.Section s)
                    throws VmStateException {
                  return loading.section(r, s);
                }

                @Override
                public void end() throws VmStateException {
                  loading.commit();
                }
              },
              sections::incrementAndGet,
              false);
    }

    void feed(byte[] data, int from, int to) throws VmStateException {
      if (from == to) {
        return;
      }
      ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(to - from);
      try {
        b.writeBytes(data, from, to - from);
        decoder.feed(b);
        assertEquals(to - from, b.readableBytes(), "feed leaves the buffer as it was");
      } finally {
        b.release();
      }
    }

    boolean unchanged() {
      return java.util.Arrays.equals(before, save(vm.registry()));
    }
  }

  private static byte[] save(DeviceRegistry r) {
    try {
      return r.saveToBytes();
    } catch (VmStateException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void everySplitPointLoadsTheRegistryLikeThePullReader() throws Exception {
    int end = RamStreams.eofOffset(stream) + 1;
    for (int k = 0; k <= end; k++) {
      Load l = new Load(RamStreams.NO_VMDESC);
      l.feed(stream, 0, k);
      l.feed(stream, k, end);
      l.decoder.finish();
      assertArrayEquals(expected, save(l.vm.registry()), "split at " + k);
      assertEquals(2, l.sections.get(), "split at " + k);
    }
  }

  @Test
  void oneByteAtATimeWithTheVmdescTrailer() throws Exception {
    Load l = new Load(ReaderOptions.DEFAULT);
    for (int i = 0; i < stream.length; i++) {
      l.feed(stream, i, i + 1);
    }
    assertEquals(2, l.sections.get(), "both device sections decoded as they arrived");
    l.decoder.finish();
    assertTrue(l.decoder.done());
    assertArrayEquals(expected, save(l.vm.registry()));
  }

  /**
   * The decoding work (bytes handed to the reader, retries included) of a stream fed one byte at a
   * time stays within a small constant factor of the same stream fed whole: linear in the bytes,
   * whatever the piece size. (Counted, not timed: a retry per received buffer made it quadratic,
   * about 10^4 times the whole-feed work for this stream's vmdesc.)
   */
  @Test
  void oneBytePiecesCostWorkLinearInTheBytes() throws Exception {
    Load whole = new Load(ReaderOptions.DEFAULT);
    whole.feed(stream, 0, stream.length);
    whole.decoder.finish();
    Load bytes = new Load(ReaderOptions.DEFAULT);
    for (int i = 0; i < stream.length; i++) {
      bytes.feed(stream, i, i + 1);
    }
    bytes.decoder.finish();
    long w = whole.decoder.parsedBytes();
    long b = bytes.decoder.parsedBytes();
    assertTrue(w > 0 && w <= 4L * stream.length, "whole feed: " + w + " of " + stream.length);
    System.out.printf(
        "parsed bytes of a %d-byte stream: whole %d, 1-byte pieces %d%n", stream.length, w, b);
    assertTrue(b <= 8 * w, "1-byte feed: " + b + " bytes parsed, whole feed " + w);
  }

  @Test
  void truncationAtEveryOffsetIsTypedAndAppliesNothing() throws Exception {
    int end = RamStreams.eofOffset(stream) + 1;
    for (int k = 0; k < end; k++) {
      Load l = new Load(RamStreams.NO_VMDESC);
      l.feed(stream, 0, k);
      VmStateDecodeException e = assertThrows(VmStateDecodeException.class, l.decoder::finish);
      assertTrue(e.offset() >= 0 && e.offset() <= k, "cut at " + k + ": " + e.getMessage());
      assertTrue(l.unchanged(), "cut at " + k);
    }
  }

  @Test
  void aCorruptDeviceSectionFailsAsSoonAsItArrives() throws Exception {
    byte[] bad = stream.clone();
    int gicFooter = footerOf(bad, "arm_gicv3");
    bad[gicFooter] = 0x55;
    Load l = new Load(ReaderOptions.DEFAULT);
    VmStateDecodeException e =
        assertThrows(VmStateDecodeException.class, () -> l.feed(bad, 0, gicFooter + 64));
    assertEquals(gicFooter, e.offset());
    assertEquals("arm_gicv3", e.section().orElseThrow().idstr());
    assertTrue(l.unchanged());
  }

  @Test
  void aBadRamRecordNamesItsOffsetAndSection() throws Exception {
    byte[] bad = stream.clone();
    int at =
        indexOf(bad, "mach-virt.ram".getBytes(), indexOf(bad, "mach-virt.ram".getBytes(), 0) + 1);
    bad[at] = 'X';
    Load l = new Load(ReaderOptions.DEFAULT);
    VmStateDecodeException e =
        assertThrows(VmStateDecodeException.class, () -> l.feed(bad, 0, bad.length));
    assertTrue(e.getMessage().contains("Unknown ramblock"), e.getMessage());
    assertEquals(at - 1, e.offset());
    assertEquals("ram", e.section().orElseThrow().idstr());
  }

  private static int footerOf(byte[] data, String idstr) throws VmStateException {
    MigrationStreamReader r = RamStreams.pull(data);
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Footer f && f.section().section().idstr().equals(idstr)) {
        return (int) f.offset();
      }
    }
    throw new AssertionError(idstr);
  }

  private static int indexOf(byte[] data, byte[] what, int from) {
    outer:
    for (int i = from; i <= data.length - what.length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (data[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }

  // ---- through a channel ----

  /** Feeds {@code data} through a raw receive pipeline in buffers of {@code piece} bytes. */
  private static MigrationSession receive(RawStreamSink sink, byte[] data, int piece, int upTo) {
    return receive(sink, data, piece, upTo, s -> {});
  }

  /** The same; {@code beforeClose} sees the session once every byte was fed. */
  private static MigrationSession receive(
      RawStreamSink sink,
      byte[] data,
      int piece,
      int upTo,
      java.util.function.Consumer<MigrationSession> beforeClose) {
    EmbeddedChannel ch = new EmbeddedChannel();
    MigrationSession session = new MigrationSession(ch);
    ch.pipeline()
        .addLast(new RawReceiveHandler(session, TransportOptions.defaults(), sink, Runnable::run));
    ch.pipeline().fireChannelActive();
    for (int i = 0; i < upTo && ch.isOpen(); i += piece) {
      int n = Math.min(piece, upTo - i);
      ByteBuf b = ch.alloc().directBuffer(n);
      b.writeBytes(data, i, n);
      ch.writeInbound(b);
    }
    beforeClose.accept(session);
    ch.close();
    ch.finishAndReleaseAll();
    return session;
  }

  @Test
  void registryLoadsThroughAChannelOneByteAtATime() throws Exception {
    GicVm dst = RamStreams.vm();
    AtomicInteger progressed = new AtomicInteger(-1);
    MigrationSession s =
        receive(
            RegistryTarget.rawSink(dst.registry(), DeviceRegistry.LoadOptions.DEFAULT),
            stream,
            1,
            stream.length,
            session -> progressed.set(session.sections()));
    assertEquals(2, progressed.get(), "both sections reported while the stream arrived");
    MigrationResult r = s.await(Duration.ofSeconds(10));
    assertEquals(stream.length, r.bytes());
    assertEquals(2, r.sections());
    assertArrayEquals(expected, save(dst.registry()));
  }

  @Test
  void aCutStreamThroughAChannelFailsTypedAndLeavesTheRegistry() throws Exception {
    GicVm dst = RamStreams.vm();
    byte[] before = save(dst.registry());
    MigrationSession s =
        receive(
            RegistryTarget.rawSink(dst.registry(), DeviceRegistry.LoadOptions.DEFAULT),
            stream,
            7,
            stream.length - 3);
    VmStateException e =
        assertThrows(VmStateException.class, () -> s.await(Duration.ofSeconds(10)));
    assertInstanceOf(VmStateDecodeException.class, e);
    assertArrayEquals(before, save(dst.registry()));
  }

  @Test
  void realQemuSampleIntoAFileInOddPieces() throws Exception {
    Path out = dir.resolve("in.qemu");
    MigrationSession s = receive(QemuStreamSink.toFile(out), sample, 13, sample.length);
    MigrationResult r = s.await(Duration.ofSeconds(30));
    assertArrayEquals(sample, Files.readAllBytes(out));
    assertEquals(deviceSections(sample), r.sections());
    assertFalse(Files.exists(dir.resolve("in.qemu.partial")));
  }

  @Test
  void realQemuSampleDecodesRamAsItArrivesAndWaitsForTheVmdescAtTheFirstDevice() throws Exception {
    AtomicInteger sections = new AtomicInteger();
    IncrementalDecoder d =
        new IncrementalDecoder(
            ReaderOptions.DEFAULT,
            IncrementalDecoder.Sections.VMDESC,
            sections::incrementAndGet,
            true);
    ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(sample.length);
    try {
      b.writeBytes(sample);
      d.feed(b);
    } finally {
      b.release();
    }
    long firstDevice = firstDeviceSection(sample);
    assertEquals(firstDevice, d.deferred(), "decoding waits at the first device section");
    Path file = dir.resolve("sample.qemu");
    Files.write(file, sample);
    d.finish(file);
    assertTrue(d.done());
    assertEquals(deviceSections(sample), sections.get());
  }

  @Test
  void truncatedQemuStreamsFailTypedAndDropThePartialFile() throws Exception {
    long firstDevice = firstDeviceSection(sample);
    int[] cuts = {0, 5, 17, (int) firstDevice / 2, (int) firstDevice + 3, sample.length - 40};
    for (int cut : cuts) {
      Path out = dir.resolve("cut-" + cut + ".qemu");
      MigrationSession s = receive(QemuStreamSink.toFile(out), sample, 4096, cut);
      VmStateException e =
          assertThrows(VmStateException.class, () -> s.await(Duration.ofSeconds(30)));
      assertInstanceOf(VmStateDecodeException.class, e, "cut at " + cut);
      assertTrue(e.offset() >= 0, "cut at " + cut + ": " + e.getMessage());
      assertFalse(Files.exists(out), "cut at " + cut);
      assertFalse(Files.exists(dir.resolve("cut-" + cut + ".qemu.partial")), "cut at " + cut);
    }
  }

  @Test
  void aCorruptQemuStreamFailsWhileItArrivesAndDropsThePartialFile() throws Exception {
    byte[] bad = sample.clone();
    bad[3] ^= 1; // the magic
    Path out = dir.resolve("bad.qemu");
    MigrationSession s = receive(QemuStreamSink.toFile(out), bad, 4096, bad.length);
    VmStateException e =
        assertThrows(VmStateException.class, () -> s.await(Duration.ofSeconds(30)));
    assertInstanceOf(VmStateDecodeException.class, e);
    assertTrue(e.getMessage().contains("not a QEMU migration stream"), e.getMessage());
    assertFalse(Files.exists(out));
    assertFalse(Files.exists(dir.resolve("bad.qemu.partial")));
  }

  @Test
  void aWholeStreamThatCannotBeDecodedIsKeptAndTheFailureSaysSo() throws Exception {
    // A device section's footer broken: QEMU sent everything, so the bytes must not be lost.
    byte[] bad = sample.clone();
    int footer = footerOf(bad, "timer");
    bad[footer] = 0x7f;
    Path out = dir.resolve("kept.qemu");
    MigrationSession s = receive(QemuStreamSink.toFile(out), bad, 4096, bad.length);
    VmStateException e =
        assertThrows(VmStateException.class, () -> s.await(Duration.ofSeconds(30)));
    assertInstanceOf(VmStateDecodeException.class, e);
    assertTrue(e.getMessage().contains("arrived whole and was kept as " + out), e.getMessage());
    assertTrue(e.getMessage().contains("Missing section footer for timer"), e.getMessage());
    assertEquals(footer, e.offset(), e.getMessage());
    assertArrayEquals(bad, Files.readAllBytes(out));
    assertFalse(Files.exists(dir.resolve("kept.qemu.partial")));
  }

  private static int deviceSections(byte[] data) throws VmStateException {
    MigrationStreamReader r =
        new MigrationStreamReader(
            WireInput.of(data),
            ReaderOptions.DEFAULT.withVmdesc(io.vmstate.stream.vmdesc.VmdescLocator.scan(data, 0)));
    int n = 0;
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Footer f && !f.section().isRam()) {
        n++;
      }
    }
    return n;
  }

  private static long firstDeviceSection(byte[] data) throws VmStateException {
    MigrationStreamReader r =
        new MigrationStreamReader(
            WireInput.of(data),
            ReaderOptions.DEFAULT.withVmdesc(io.vmstate.stream.vmdesc.VmdescLocator.scan(data, 0)));
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Section s && !s.isRam()) {
        return s.offset();
      }
    }
    throw new AssertionError("no device section");
  }
}
