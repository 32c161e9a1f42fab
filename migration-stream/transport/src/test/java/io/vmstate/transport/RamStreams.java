package io.vmstate.transport;

import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.DeviceRegistry;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.MigrationStreamWriter;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.SectionType;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.ram.RamBlock;
import io.vmstate.stream.ram.RamSection;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;

/**
 * Small complete streams with RAM for the push-decoding tests: a registry's own save (header,
 * configuration, a 2-CPU GICv3 whose CPUs differ, an ITS, EOF, vmdesc) with RAM START and PART
 * sections spliced in before the devices and a RAM END section after them, as QEMU orders them.
 * Pages are 1 KiB (target-page-bits 10), so the stream stays small enough to split at every byte.
 */
final class RamStreams {
  static final int PAGE = 1024;
  static final int RAM_ID = 9;
  static final RamBlock BLOCK = new RamBlock("mach-virt.ram", 4L * PAGE, -1);

  private RamStreams() {}

  /** An empty 2-CPU machine with 1 KiB pages. */
  static GicVm vm() {
    return GicVm.of(2, 10);
  }

  /** A 2-CPU machine with 1 KiB pages whose CPUs differ. */
  static GicVm programmed() {
    return GicVm.programmed(2, 10);
  }

  /** The registry's stream with RAM sections (pages filled with {@code fill + page index}). */
  static byte[] withRam(DeviceRegistry registry) throws VmStateException {
    byte[] saved = registry.saveToBytes();
    MigrationStreamReader r = pull(saved);
    long firstSection = -1;
    long eof = -1;
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Section s && firstSection < 0) {
        firstSection = s.offset();
      } else if (e instanceof StreamEvent.Eof x) {
        eof = x.offset();
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(saved, 0, (int) firstSection);
    WireOutput w = WireOutput.to(out);
    MigrationStreamWriter sw = new MigrationStreamWriter(w);
    SectionRef ram = new SectionRef(RamSection.IDSTR, 0, RamSection.VERSION);
    sw.sectionHeader(SectionType.START, RAM_ID, ram);
    RamSection.writeBlockList(w, List.of(BLOCK), false);
    RamSection.writeEos(w);
    sw.footer(RAM_ID);
    sw.sectionHeader(SectionType.PART, RAM_ID, ram);
    page(w, 0, false);
    page(w, 1, true);
    RamSection.writeZeroPage(w, BLOCK, 2L * PAGE, true, 0);
    RamSection.writeMultifdFlush(w);
    RamSection.writeEos(w);
    sw.footer(RAM_ID);
    sw.flush();
    out.write(saved, (int) firstSection, (int) (eof - firstSection));
    sw.sectionHeader(SectionType.END, RAM_ID, ram);
    page(w, 3, false);
    RamSection.writeEos(w);
    sw.footer(RAM_ID);
    sw.flush();
    out.write(saved, (int) eof, saved.length - (int) eof);
    return out.toByteArray();
  }

  private static void page(WireOutput w, int index, boolean cont) throws VmStateException {
    RamSection.writePageHeader(w, BLOCK, (long) index * PAGE, cont);
    byte[] p = new byte[PAGE];
    Arrays.fill(p, (byte) (0x40 + index));
    w.writeBytes(p, 0, PAGE);
  }

  /** The offset of the EOF byte (the stream without its vmdesc trailer ends after it). */
  static int eofOffset(byte[] stream) throws VmStateException {
    MigrationStreamReader r = pull(stream);
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Eof x) {
        return (int) x.offset();
      }
    }
    throw new AssertionError("no EOF");
  }

  /** A pull reader over a whole stream, with the vmdesc found at its end. */
  static MigrationStreamReader pull(byte[] data) throws VmStateException {
    return new MigrationStreamReader(
        WireInput.of(data), ReaderOptions.DEFAULT.withVmdesc(VmdescLocator.scan(data, 0)));
  }

  static final ReaderOptions NO_VMDESC = ReaderOptions.DEFAULT.withRequireVmdesc(false);
}
