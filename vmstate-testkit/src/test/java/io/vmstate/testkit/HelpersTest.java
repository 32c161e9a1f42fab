package io.vmstate.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class HelpersTest {
  @Test
  void hexRoundTrip() {
    byte[] b = Hex.bytes("01 0a ff 0x10 20:30");
    assertArrayEquals(new byte[] {1, 10, (byte) 0xff, 0x10, 0x20, 0x30}, b);
    assertEquals("01 0a ff 10 20 30", Hex.of(b));
    assertEquals("010aff102030", Hex.compact(b));
    assertThrows(IllegalArgumentException.class, () -> Hex.bytes("0g"));
    assertThrows(IllegalArgumentException.class, () -> Hex.bytes("012"));
  }

  @Test
  void chunkedStreamHandsOutOneByteAtATime() throws IOException {
    byte[] data = Hex.bytes("00 01 02 03 04 05 06");
    ChunkedInputStream in = ChunkedInputStream.of(data, 1);
    byte[] buf = new byte[8];
    assertEquals(1, in.read(buf, 0, 8));
    assertEquals(1, in.available());
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.write(buf, 0, 1);
    int n;
    while ((n = in.read(buf, 0, 8)) > 0) {
      assertEquals(1, n);
      all.write(buf, 0, n);
    }
    assertArrayEquals(data, all.toByteArray());
    assertEquals(7, in.position());
  }

  @Test
  void chunkedStreamWithLargerChunks() throws IOException {
    ChunkedInputStream in = ChunkedInputStream.of(new byte[10], 3);
    assertEquals(3, in.read(new byte[10], 0, 10));
    assertEquals(3, in.read(new byte[10], 0, 10));
    assertEquals(3, in.read(new byte[10], 0, 10));
    assertEquals(1, in.read(new byte[10], 0, 10));
    assertEquals(-1, in.read(new byte[10], 0, 10));
  }

  @Test
  void resourcesLoadClasspathFiles() {
    assertTrue(Resources.exists("/io/vmstate/testkit/testkit-marker.txt"));
    assertEquals("testkit\n", Resources.text("io/vmstate/testkit/testkit-marker.txt"));
    assertThrows(IllegalArgumentException.class, () -> Resources.bytes("/nope/none.bin"));
  }
}
