package io.vmstate.dump;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * ASCII text built in a reusable byte buffer (JSON text made by the caller: a whole device) and
 * handed to a jackson generator as it is, with no escaping ({@link #writeValue}). While it is
 * handed over, this object is the {@link SerializableString} of one piece of it.
 */
public final class AsciiText implements SerializableString {
  /**
   * Text is handed to a generator in pieces of this size: small enough that one usually fits what
   * is left of jackson's 8000-byte output buffer (else jackson copies it).
   */
  private static final int PIECE = 1024;

  private byte[] bytes = new byte[256];
  private int length;

  /** The piece being handed over: {@code bytes[from, from + pieceLength)}. */
  private int from;

  private int pieceLength;

  /**
   * Writes the text to {@code g} as one raw JSON value (the generator adds the separator or {@code
   * ": "} before it, as for any value).
   */
  public void writeValue(JsonGenerator g) throws IOException {
    try {
      from = 0;
      pieceLength = Math.min(PIECE, length);
      g.writeRawValue(this);
      for (from = pieceLength; from < length; from += pieceLength) {
        pieceLength = Math.min(PIECE, length - from);
        g.writeRaw(this);
      }
    } finally {
      from = 0;
      pieceLength = length;
    }
  }

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
    this.from = 0;
    this.pieceLength = length;
    return this;
  }

  /** The length of the whole text. */
  public int length() {
    return length;
  }

  @Override
  public String getValue() {
    return new String(bytes, from, pieceLength, StandardCharsets.ISO_8859_1);
  }

  @Override
  public int charLength() {
    return pieceLength;
  }

  @Override
  public char[] asQuotedChars() {
    return getValue().toCharArray();
  }

  @Override
  public byte[] asUnquotedUTF8() {
    return Arrays.copyOfRange(bytes, from, from + pieceLength);
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
    if (offset + pieceLength > buffer.length) {
      return -1;
    }
    System.arraycopy(bytes, from, buffer, offset, pieceLength);
    return pieceLength;
  }

  @Override
  public int appendUnquoted(char[] buffer, int offset) {
    if (offset + pieceLength > buffer.length) {
      return -1;
    }
    for (int i = 0; i < pieceLength; i++) {
      buffer[offset + i] = (char) bytes[from + i];
    }
    return pieceLength;
  }

  @Override
  public int writeQuotedUTF8(OutputStream out) throws IOException {
    return writeUnquotedUTF8(out);
  }

  @Override
  public int writeUnquotedUTF8(OutputStream out) throws IOException {
    out.write(bytes, from, pieceLength);
    return pieceLength;
  }

  @Override
  public int putQuotedUTF8(ByteBuffer buffer) {
    return putUnquotedUTF8(buffer);
  }

  @Override
  public int putUnquotedUTF8(ByteBuffer buffer) {
    if (buffer.remaining() < pieceLength) {
      return -1;
    }
    buffer.put(bytes, from, pieceLength);
    return pieceLength;
  }

  @Override
  public String toString() {
    return getValue();
  }
}
