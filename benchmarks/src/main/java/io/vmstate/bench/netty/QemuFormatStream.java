package io.vmstate.bench.netty;

import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import io.vmstate.gic.its.ItsState;
import io.vmstate.gic.v3.GicV3Config;
import io.vmstate.gic.v3.GicV3State;
import io.vmstate.stream.DeviceRegistry;
import io.vmstate.stream.MachineConfiguration;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.MigrationStreamWriter;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.SectionType;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.ram.RamBlock;
import io.vmstate.stream.ram.RamSection;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A well-formed QEMU migration stream of about 1 GiB, shaped like a real one: header,
 * configuration, a RAM START section (block list), a RAM PART section of 262144 4 KiB {@code PAGE}
 * records (CONTINUE), the device sections of a registry (a 4-CPU GICv3 and an ITS), a RAM END
 * section, EOF and the vmdesc. It is written in 1 MiB pieces (plus the records' 8-byte headers)
 * from one template whose page addresses are patched per piece, so producing it costs next to
 * nothing beside the copy.
 */
final class QemuFormatStream {
  static final int PAGE = 4096;
  static final int PAGES_PER_PIECE = 256;
  static final int PIECES = 1024;
  static final int RAM_ID = 99;
  static final RamBlock BLOCK =
      new RamBlock("mach-virt.ram", (long) PAGE * PAGES_PER_PIECE * PIECES, -1);

  final byte[] head;
  final byte[] tail;
  private final byte[] template;

  QemuFormatStream() throws VmStateException {
    DeviceRegistry r = registry();
    GicV3State gic = (GicV3State) r.devices().get(0).object();
    gic.setCtlr(0x13);
    gic.setPriority(40, 0, 0x80);
    byte[] saved = r.saveToBytes();
    MigrationStreamReader reader =
        new MigrationStreamReader(
            WireInput.of(saved), ReaderOptions.DEFAULT.withVmdesc(VmdescLocator.scan(saved, 0)));
    int first = -1;
    int eof = -1;
    for (StreamEvent e = reader.next(); e != null; e = reader.next()) {
      if (e instanceof StreamEvent.Section s && first < 0) {
        first = (int) s.offset();
      } else if (e instanceof StreamEvent.Eof x) {
        eof = (int) x.offset();
      }
    }
    SectionRef ram = new SectionRef(RamSection.IDSTR, 0, RamSection.VERSION);
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    h.write(saved, 0, first);
    WireOutput w = WireOutput.to(h);
    MigrationStreamWriter sw = new MigrationStreamWriter(w);
    sw.sectionHeader(SectionType.START, RAM_ID, ram);
    RamSection.writeBlockList(w, List.of(BLOCK), false);
    RamSection.writeEos(w);
    sw.footer(RAM_ID);
    sw.sectionHeader(SectionType.PART, RAM_ID, ram);
    RamSection.writeZeroPage(w, BLOCK, 0, false, 0); // names the block; pages CONTINUE it
    sw.flush();
    head = h.toByteArray();

    ByteArrayOutputStream t = new ByteArrayOutputStream();
    w = WireOutput.to(t);
    sw = new MigrationStreamWriter(w);
    RamSection.writeEos(w);
    sw.footer(RAM_ID);
    sw.flush();
    t.write(saved, first, eof - first);
    sw.sectionHeader(SectionType.END, RAM_ID, ram);
    RamSection.writeEos(w);
    sw.footer(RAM_ID);
    sw.flush();
    t.write(saved, eof, saved.length - eof);
    tail = t.toByteArray();

    template = new byte[PAGES_PER_PIECE * (8 + PAGE)];
    for (int i = 0; i < template.length; i++) {
      template[i] = (byte) (i * 7);
    }
  }

  /** The registry that saved the device sections; a fresh one of the same shape loads them. */
  static DeviceRegistry registry() {
    return new DeviceRegistry(new MachineConfiguration("virt-7.2").setTargetPageBits(12))
        .register("arm_gicv3", 0, GicV3State.DESCRIPTION, new GicV3State(GicV3Config.tcg(4)))
        .register("arm_gicv3_its", 0, ItsState.DESCRIPTION, new ItsState());
  }

  long size() {
    return head.length + (long) template.length * PIECES + tail.length;
  }

  void writeTo(OutputStream out) throws IOException {
    out.write(head);
    byte[] piece = template.clone();
    ByteBuffer b = ByteBuffer.wrap(piece);
    long flags = RamSection.FLAG_PAGE | RamSection.FLAG_CONTINUE;
    for (int p = 0; p < PIECES; p++) {
      for (int i = 0; i < PAGES_PER_PIECE; i++) {
        long addr = ((long) p * PAGES_PER_PIECE + i) * PAGE;
        b.putLong(i * (8 + PAGE), addr | flags);
      }
      out.write(piece);
    }
    out.write(tail);
  }
}
