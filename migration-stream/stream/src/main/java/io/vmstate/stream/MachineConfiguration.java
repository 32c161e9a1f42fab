package io.vmstate.stream;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.vmstate.api.Nullable;
import io.vmstate.api.StateCopier;
import io.vmstate.api.VarCount;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * QEMU's configuration section (0x07, reference §5.8): the machine type name and the optional
 * subsections {@code configuration/target-page-bits}, {@code configuration/capabilities} and {@code
 * configuration/uuid}. A subsection is sent when its value is set (non-null here).
 *
 * <p>{@link #DESCRIPTION} is QEMU's {@code vmstate_configuration}: saved at version 1 and, as in
 * QEMU, loaded at version 0 (the subsections carry their own versions).
 *
 * <p>The record follows the stream header with no section header and no footer; the subsections are
 * ordinary subsection records ({@code 0x05}). From the committed QEMU 7.2 fixture {@code
 * virt-gicv3-smp2.qemu}:
 *
 * <pre>
 * 0x08  07                         QEMU_VM_CONFIGURATION
 * 0x09  00 00 00 08                be32 length of the machine type name
 * 0x0d  76 69 72 74 2d 37 2e 32    "virt-7.2"
 * 0x15  05                         subsection
 * 0x16  1e                         str8 length 30
 * 0x17  63 6f 6e ... 74 73         "configuration/target-page-bits"
 * 0x35  00 00 00 01                be32 version 1
 * 0x39  00 00 00 0c                be32 target_page_bits 12 (4 KiB pages)
 * 0x3d  01 ...                     the first section (no footer before it)
 * </pre>
 *
 * {@code configuration/capabilities} is {@code be32 count} then count str8 names; {@code
 * configuration/uuid} is 16 raw bytes.
 */
public final class MachineConfiguration {
  /** The version QEMU loads the configuration at, whatever it was saved at. */
  public static final int LOAD_VERSION = 0;

  /** Capabilities QEMU 7.2 validates through the configuration. */
  public static final String X_IGNORE_SHARED = "x-ignore-shared";

  byte[] name = new byte[0];
  int nameLength;
  Integer targetPageBits;
  String[] capabilities;
  int capabilityCount;
  byte[] uuid;

  /** An empty configuration, to be filled by a load. */
  public MachineConfiguration() {}

  /** A configuration for machine type {@code machine}, e.g. {@code virt-7.2}. */
  public MachineConfiguration(String machine) {
    setMachine(machine);
  }

  /** The machine type name (empty for a configuration made with no name). */
  public String machine() {
    return new String(name, 0, nameLength, StandardCharsets.ISO_8859_1);
  }

  /** Sets the machine type name (not null; sent as ISO-8859-1 bytes); returns this. */
  public MachineConfiguration setMachine(String machine) {
    checkNotNull(machine, "machine");
    this.name = machine.getBytes(StandardCharsets.ISO_8859_1);
    this.nameLength = name.length;
    return this;
  }

  /** The target page bits, or null when the subsection is not sent (the target's minimum). */
  public @Nullable Integer targetPageBits() {
    return targetPageBits;
  }

  /**
   * Sets the target page bits (10..30), or null to send no target-page-bits subsection; returns
   * this.
   */
  public MachineConfiguration setTargetPageBits(Integer bits) {
    checkArgument(bits == null || (bits >= 10 && bits <= 30), "target page bits %s", bits);
    this.targetPageBits = bits;
    return this;
  }

  /** The capabilities subsection, or null when it is not sent. */
  public @Nullable List<String> capabilities() {
    return capabilities == null ? null : List.of(Arrays.copyOf(capabilities, capabilityCount));
  }

  /**
   * Sets the capabilities (QAPI names such as {@code x-ignore-shared}), or null to send no
   * capabilities subsection; returns this.
   */
  public MachineConfiguration setCapabilities(List<String> caps) {
    this.capabilities = caps == null ? null : caps.toArray(new String[0]);
    this.capabilityCount = caps == null ? 0 : caps.size();
    return this;
  }

  /** Whether capability {@code name} is listed. */
  public boolean hasCapability(String cap) {
    List<String> c = capabilities();
    return c != null && c.contains(cap);
  }

  /** The 16-byte VM UUID, or null when not sent. */
  public byte @Nullable [] uuid() {
    return uuid == null ? null : uuid.clone();
  }

  /** Sets the 16-byte VM UUID (copied), or null to send no uuid subsection; returns this. */
  public MachineConfiguration setUuid(byte[] id) {
    checkArgument(id == null || id.length == 16, "a uuid has 16 bytes");
    this.uuid = id == null ? null : id.clone();
    return this;
  }

  /** The target page size, or {@code fallback} when the stream does not say. */
  public int pageSize(int fallback) {
    return targetPageBits == null ? fallback : 1 << targetPageBits;
  }

  private MachineConfiguration copy() {
    MachineConfiguration c = new MachineConfiguration();
    c.name = name.clone();
    c.nameLength = nameLength;
    c.targetPageBits = targetPageBits;
    c.capabilities = capabilities == null ? null : capabilities.clone();
    c.capabilityCount = capabilityCount;
    c.uuid = uuid == null ? null : uuid.clone();
    return c;
  }

  private void set(MachineConfiguration s) {
    name = s.name;
    nameLength = s.nameLength;
    targetPageBits = s.targetPageBits;
    capabilities = s.capabilities;
    capabilityCount = s.capabilityCount;
    uuid = s.uuid;
  }

  private static final VmStateDescription<MachineConfiguration> TARGET_PAGE_BITS =
      VmStateDescription.<MachineConfiguration>named("configuration/target-page-bits")
          .version(1)
          .minimumVersion(1)
          .needed(c -> c.targetPageBits != null)
          .preLoad(c -> c.targetPageBits = 0)
          .uint32("target_page_bits", c -> c.targetPageBits, (c, v) -> c.targetPageBits = v)
          .postLoad(MachineConfiguration::checkTargetPageBits)
          .build();

  /** The page sizes QEMU's targets use: 1 KiB (TARGET_PAGE_BITS_MIN of arm) to 64 KiB. */
  static final int MIN_PAGE_BITS = 10;

  static final int MAX_PAGE_BITS = 16;

  private static void checkTargetPageBits(MachineConfiguration c, int version)
      throws VmStateDecodeException {
    long bits = Integer.toUnsignedLong(c.targetPageBits);
    if (bits < MIN_PAGE_BITS || bits > MAX_PAGE_BITS) {
      throw VmStateDecodeException.validationFailed(
          "target_page_bits "
              + bits
              + " is not a page size QEMU uses ("
              + MIN_PAGE_BITS
              + ".."
              + MAX_PAGE_BITS
              + ")");
    }
  }

  private static final VmStateDescription<MachineConfiguration> CAPABILITIES =
      VmStateDescription.<MachineConfiguration>named("configuration/capabilities")
          .version(1)
          .minimumVersion(1)
          .needed(c -> c.capabilities != null)
          .uint32("caps_count", c -> c.capabilityCount, MachineConfiguration::setCapabilityCount)
          .since(1)
          .capabilityVarArray(
              "capabilities",
              VarCount.field("caps_count"),
              c -> c.capabilities,
              (c, v) -> c.capabilities = v)
          .build();

  private static final VmStateDescription<MachineConfiguration> UUID =
      VmStateDescription.<MachineConfiguration>named("configuration/uuid")
          .version(1)
          .minimumVersion(1)
          .needed(c -> c.uuid != null)
          .preLoad(c -> c.uuid = new byte[16])
          .uint8Array("uuid", c -> c.uuid, 16)
          .build();

  /** QEMU's {@code configuration} description. */
  public static final VmStateDescription<MachineConfiguration> DESCRIPTION =
      VmStateDescription.<MachineConfiguration>named("configuration")
          .version(1)
          .minimumVersion(0)
          .uint32("len", c -> c.nameLength, MachineConfiguration::setNameLength)
          .vbuffer("name", VarCount.field("len"), 1, c -> c.name, (c, v) -> c.name = v)
          .subsection(TARGET_PAGE_BITS)
          .subsection(CAPABILITIES)
          .subsection(UUID)
          .copier(StateCopier.of(MachineConfiguration::copy, (s, t) -> t.set(s)))
          .build();

  private void setNameLength(int len) {
    nameLength = len;
  }

  private void setCapabilityCount(int n) {
    capabilityCount = n;
  }

  @Override
  public String toString() {
    return "machine "
        + machine()
        + (targetPageBits == null ? "" : ", target-page-bits " + targetPageBits)
        + (capabilities == null ? "" : ", capabilities " + capabilities())
        + (uuid == null ? "" : ", uuid");
  }
}
