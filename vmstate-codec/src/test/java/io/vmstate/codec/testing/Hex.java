package io.vmstate.codec.testing;

import java.util.HexFormat;

/** Hex byte strings as the reference writes them: {@code "01 02 | 03"}; spaces and bars ignored. */
public final class Hex {
  private Hex() {}

  public static byte[] bytes(String hex) {
    return HexFormat.of().parseHex(hex.replace(" ", "").replace("|", "").replace("\n", ""));
  }

  /** The bytes followed by QEMU_VM_EOF (0x00), which QEMU's test harness appends after a save. */
  public static byte[] withEof(String hex) {
    byte[] b = bytes(hex);
    byte[] r = new byte[b.length + 1];
    System.arraycopy(b, 0, r, 0, b.length);
    return r;
  }

  public static String of(byte[] b) {
    return HexFormat.ofDelimiter(" ").formatHex(b);
  }
}
