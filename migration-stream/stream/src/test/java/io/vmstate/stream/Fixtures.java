package io.vmstate.stream;

import io.vmstate.codec.WireInput;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Real QEMU 7.2 and 10.0 streams and the goldens each release's analyze-migration.py printed for
 * them.
 */
final class Fixtures {
  /**
   * Every real QEMU stream with analyzer goldens (the testkit's, under its {@code streams/}; QEMU
   * 10.0's under {@code qemu-10.0/}, whose GICv3 vmdescs leave the index off the last CPU). The
   * 10.0 {@code virt-devices} stream is left out: its old-style sections are another issue's.
   */
  static final List<String> NAMES =
      List.of(
          "virt-gicv3-smp2",
          "gicv2-1cpu",
          "gicv2-virt",
          "gicv3-its-4cpu",
          "gicv3-64cpu",
          "gicv3-virt-6.2",
          "qemu-10.0/gicv2-1cpu",
          "qemu-10.0/gicv2-virt",
          "qemu-10.0/gicv3-its-4cpu",
          "qemu-10.0/gicv3-64cpu",
          "qemu-10.0/gicv3-virt-7.2",
          "qemu-10.0/gicv3-virt-6.2");

  private Fixtures() {}

  static List<String> names() {
    return NAMES;
  }

  static byte[] bytes(String resource) {
    try (InputStream in =
        Fixtures.class.getResourceAsStream("/io/vmstate/testkit/streams/" + resource)) {
      if (in == null) {
        throw new IllegalStateException("missing fixture " + resource);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] stream(String name) {
    return bytes(name + ".qemu");
  }

  static String golden(String name, String kind) {
    return new String(bytes(name + ".analyze-" + kind + ".json"), StandardCharsets.UTF_8);
  }

  /**
   * A reader over {@code data} with its vmdesc located first; {@code chunk1} reads 1 byte at a
   * time.
   */
  static MigrationStreamReader reader(byte[] data, boolean chunk1) throws Exception {
    InputStream in = chunk1 ? new OneByte(data) : new ByteArrayInputStream(data);
    return new MigrationStreamReader(
        WireInput.of(in), ReaderOptions.DEFAULT.withVmdesc(VmdescLocator.scan(data, 0)));
  }

  /** Returns at most one byte per read. */
  /**
   * Every prefix of {@code data} (the vmdesc located on the whole stream), read one byte at a time,
   * fails with a typed decode error whose offset lies within the prefix.
   */
  static void assertEveryCutIsTyped(byte[] data) throws Exception {
    for (int n = 0; n < data.length; n++) {
      byte[] cut = java.util.Arrays.copyOf(data, n);
      MigrationStreamReader r =
          new MigrationStreamReader(
              WireInput.of(new OneByte(cut)),
              ReaderOptions.DEFAULT.withVmdesc(VmdescLocator.scan(data, 0)));
      int at = n;
      io.vmstate.api.VmStateDecodeException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              io.vmstate.api.VmStateDecodeException.class,
              () -> {
                while (r.next() != null) {
                  // drain
                }
              },
              "cut at " + at);
      org.junit.jupiter.api.Assertions.assertTrue(
          e.offset() >= 0 && e.offset() <= n, "offset of " + e.getMessage());
    }
  }

  /** Where {@code what} first occurs in {@code data}; fails the test when it does not. */
  static int indexOf(byte[] data, byte[] what) {
    outer:
    for (int i = 0; i + what.length <= data.length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (data[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }

  static final class OneByte extends ByteArrayInputStream {
    OneByte(byte[] b) {
      super(b);
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      return super.read(b, off, Math.min(len, 1));
    }
  }
}
