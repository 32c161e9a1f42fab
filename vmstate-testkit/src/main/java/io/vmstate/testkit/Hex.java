package io.vmstate.testkit;

import java.io.ByteArrayOutputStream;

/** Hex helpers for golden-byte assertions. */
public final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private Hex() {}

  /**
   * Parses hex text into bytes. Whitespace, {@code :}, {@code _} and {@code ,} separate nothing and
   * are ignored, as is a leading {@code 0x} on any group; so {@code "01 02 0x0304"} is {@code {1,
   * 2, 3, 4}}.
   *
   * @throws IllegalArgumentException on a non-hex character or an odd number of digits
   */
  public static byte[] bytes(String hex) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(hex.length() / 2);
    int hi = -1;
    for (int i = 0; i < hex.length(); i++) {
      char c = hex.charAt(i);
      if (Character.isWhitespace(c) || c == ':' || c == '_' || c == ',') {
        continue;
      }
      if (c == '0'
          && hi < 0
          && i + 1 < hex.length()
          && (hex.charAt(i + 1) == 'x' || hex.charAt(i + 1) == 'X')) {
        i++;
        continue;
      }
      int d = Character.digit(c, 16);
      if (d < 0) {
        throw new IllegalArgumentException("not a hex digit '" + c + "' at index " + i);
      }
      if (hi < 0) {
        hi = d;
      } else {
        out.write((hi << 4) | d);
        hi = -1;
      }
    }
    if (hi >= 0) {
      throw new IllegalArgumentException("odd number of hex digits in: " + hex);
    }
    return out.toByteArray();
  }

  /** Lower-case hex of {@code data}, bytes separated by single spaces ({@code "01 0a ff"}). */
  public static String of(byte[] data) {
    return of(data, 0, data.length, " ");
  }

  /** Lower-case hex of {@code data} with no separators ({@code "010aff"}). */
  public static String compact(byte[] data) {
    return of(data, 0, data.length, "");
  }

  /** Lower-case hex of {@code len} bytes from {@code off}, joined by {@code sep}. */
  public static String of(byte[] data, int off, int len, String sep) {
    StringBuilder sb = new StringBuilder(len * (2 + sep.length()));
    for (int i = off; i < off + len; i++) {
      if (i > off) {
        sb.append(sep);
      }
      sb.append(DIGITS[(data[i] >> 4) & 0xf]).append(DIGITS[data[i] & 0xf]);
    }
    return sb.toString();
  }

  /** A classic 16-bytes-per-line dump with offsets, for assertion messages. */
  public static String dump(byte[] data) {
    StringBuilder sb = new StringBuilder();
    for (int off = 0; off < data.length; off += 16) {
      sb.append(String.format("%08x  ", off));
      sb.append(of(data, off, Math.min(16, data.length - off), " "));
      sb.append('\n');
    }
    return sb.toString();
  }
}
