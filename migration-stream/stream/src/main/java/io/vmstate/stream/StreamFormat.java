package io.vmstate.stream;

/**
 * The byte values of QEMU's migration stream framing (reference §5.1). None of these changed
 * between 2015 and QEMU master.
 *
 * <pre>
 * be32 magic "QEVM" | be32 version 3 | [0x07 configuration] | {section | command}* | 0x00 EOF
 *   | [0x06 be32 N, N bytes of vmdesc JSON]
 * </pre>
 */
public final class StreamFormat {
  /** {@code "QEVM"}. */
  public static final int MAGIC = 0x5145564d;

  /** The only stream version QEMU reads. */
  public static final int VERSION = 3;

  /** The obsolete version QEMU rejects with its own message. */
  public static final int VERSION_COMPAT = 2;

  public static final int EOF = 0x00;
  public static final int SECTION_START = 0x01;
  public static final int SECTION_PART = 0x02;
  public static final int SECTION_END = 0x03;
  public static final int SECTION_FULL = 0x04;
  public static final int SUBSECTION = 0x05;
  public static final int VMDESCRIPTION = 0x06;
  public static final int CONFIGURATION = 0x07;
  public static final int COMMAND = 0x08;
  public static final int SECTION_FOOTER = 0x7e;

  private StreamFormat() {}
}
