package io.vmstate.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.StreamSource;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code receive} keeps a file only once it proved to hold what arrived. */
class ReceivedFileCheckTest {
  static byte[] sample() throws Exception {
    try (InputStream in =
        StreamSource.class.getResourceAsStream(
            "/io/vmstate/testkit/streams/virt-gicv3-smp2.qemu")) {
      return in.readAllBytes();
    }
  }

  /** Feeds {@code data} in 4 KiB pieces into a whole-stream file reception. */
  static EventLoopSink.Reception received(Path file, byte[] data) throws Exception {
    EventLoopSink.Reception r =
        QemuStreamSink.receiver(file, RawStreamSink.FileCheck.NONE).open(() -> {});
    for (int at = 0; at < data.length; at += 4096) {
      r.write(Unpooled.wrappedBuffer(data, at, Math.min(4096, data.length - at)));
    }
    return r;
  }

  static void flipByte(Path p, long at) throws Exception {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.flip();
      b.put(0, (byte) (b.get(0) ^ 0x40));
      ch.write(b, at);
    }
  }

  @Test
  void aWholeStreamIsKeptByteIdentical(@TempDir Path dir) throws Exception {
    byte[] data = sample();
    Path file = dir.resolve("in.qemu");
    received(file, data).complete();
    assertArrayEquals(data, Files.readAllBytes(file));
  }

  @Test
  void aStagedFileCorruptedAfterTheBytesArrivedIsRefusedAndDropped(@TempDir Path dir)
      throws Exception {
    byte[] data = sample();
    Path file = dir.resolve("in.qemu");
    Path partial = dir.resolve("in.qemu.partial");
    EventLoopSink.Reception r = received(file, data);
    // What arrived decodes; the file on disk no longer holds it (a bad disk, another writer).
    flipByte(partial, data.length / 2);
    VmStateEncodeException e = assertThrows(VmStateEncodeException.class, r::complete);
    assertTrue(
        e.getMessage().contains("not the " + data.length + " bytes received"), e.getMessage());
    assertFalse(Files.exists(file));
    assertFalse(Files.exists(partial));
  }

  @Test
  void aDeviceStateFileHoldsTheReceivedBodies(@TempDir Path dir) throws Exception {
    List<SectionData> sections = TestSections.sections(TestSections.devices(3), 7, 300);
    Path file = dir.resolve("dev.state");
    new DeviceStateFileTarget(file).apply(sections);
    ReceivedFileCheck.deviceState(file, sections);
    assertFalse(Files.exists(dir.resolve("dev.state.partial")));
    Path noFooters = dir.resolve("nofooters.state");
    new DeviceStateFileTarget(noFooters).apply(sections, false); // checked inside
    ReceivedFileCheck.deviceState(noFooters, sections);

    flipByte(file, Files.size(file) - 40); // inside the last body
    VmStateEncodeException e =
        assertThrows(
            VmStateEncodeException.class, () -> ReceivedFileCheck.deviceState(file, sections));
    assertTrue(e.getMessage().contains("differs from the section received"), e.getMessage());
    assertTrue(e.section().isPresent());

    Path shorter = dir.resolve("two.state");
    try (OutputStream os = Files.newOutputStream(shorter)) {
      DeviceSections.write(WireOutput.to(os), sections.subList(0, 2), true);
    }
    e =
        assertThrows(
            VmStateEncodeException.class, () -> ReceivedFileCheck.deviceState(shorter, sections));
    assertTrue(e.getMessage().contains("2 of the 3 sections"), e.getMessage());
  }
}
