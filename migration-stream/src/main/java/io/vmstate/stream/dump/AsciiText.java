package io.vmstate.stream.dump;

import com.fasterxml.jackson.core.SerializableString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * ASCII text built in a reused byte buffer and handed to a jackson generator as it is, with no
 * escaping (JSON text made by the caller: a quoted value, or a whole list). Appending returns the
 * position after it, so text is written straight into {@link #bytes()}.
 */
final class AsciiText implements SerializableString {
  private byte[] bytes = new byte[256];
  private int length;

  /** The buffer, at least {@code capacity} bytes long (contents up to {@code keep} kept). */
  byte[] reserve(int keep, int capacity) {
    if (bytes.length < capacity) {
      bytes = Arrays.copyOf(bytes, Math.max(capacity, bytes.length * 2));
    }
    length = keep;
    return bytes;
  }

  /** Ends the text at {@code length}. */
  AsciiText done(int length) {
    this.length = length;
    return this;
  }

  @Override
  public String getValue() {
    return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
  }

  @Override
  public int charLength() {
    return length;
  }

  @Override
  public char[] asQuotedChars() {
    return getValue().toCharArray();
  }

  @Override
  public byte[] asUnquotedUTF8() {
    return Arrays.copyOf(bytes, length);
  }

  @Override
  public byte[] asQuotedUTF8() {
    return asUnquotedUTF8();
  }

  @Override
  public int appendQuotedUTF8(byte[] buffer, int offset) {
    return appendUnquotedUTF8(buffer, offset);
  }

  @Override
  public int appendQuoted(char[] buffer, int offset) {
    return appendUnquoted(buffer, offset);
  }

  @Override
  public int appendUnquotedUTF8(byte[] buffer, int offset) {
    if (offset + length > buffer.length) {
      return -1;
    }
    System.arraycopy(bytes, 0, buffer, offset, length);
    return length;
  }

  @Override
  public int appendUnquoted(char[] buffer, int offset) {
    if (offset + length > buffer.length) {
      return -1;
    }
    for (int i = 0; i < length; i++) {
      buffer[offset + i] = (char) bytes[i];
    }
    return length;
  }

  @Override
  public int writeQuotedUTF8(OutputStream out) throws IOException {
    return writeUnquotedUTF8(out);
  }

  @Override
  public int writeUnquotedUTF8(OutputStream out) throws IOException {
    out.write(bytes, 0, length);
    return length;
  }

  @Override
  public int putQuotedUTF8(ByteBuffer buffer) {
    return putUnquotedUTF8(buffer);
  }

  @Override
  public int putUnquotedUTF8(ByteBuffer buffer) {
    if (buffer.remaining() < length) {
      return -1;
    }
    buffer.put(bytes, 0, length);
    return length;
  }

  @Override
  public String toString() {
    return getValue();
  }
}
