package io.vmstate.gic.kvm;

/** Architectural GICv3 / ITS register offsets used by the save/restore sequences. */
public final class GicRegisters {
  private GicRegisters() {}

  public static final int GICD_CTLR = 0x0;
  public static final int GICD_IGROUPR = 0x80;
  public static final int GICD_ISENABLER = 0x100;
  public static final int GICD_ICENABLER = 0x180;
  public static final int GICD_ISPENDR = 0x200;
  public static final int GICD_ICPENDR = 0x280;
  public static final int GICD_ISACTIVER = 0x300;
  public static final int GICD_ICACTIVER = 0x380;
  public static final int GICD_IPRIORITYR = 0x400;
  public static final int GICD_ICFGR = 0xc00;
  public static final int GICD_IROUTER = 0x6000;

  public static final int GICR_CTLR = 0x0;
  public static final int GICR_PROPBASER = 0x70;
  public static final int GICR_PENDBASER = 0x78;
  public static final int SGI_BASE = 0x1_0000;
  public static final int GICR_IGROUPR0 = SGI_BASE + 0x80;
  public static final int GICR_ISENABLER0 = SGI_BASE + 0x100;
  public static final int GICR_ICENABLER0 = SGI_BASE + 0x180;
  public static final int GICR_ISPENDR0 = SGI_BASE + 0x200;
  public static final int GICR_ICPENDR0 = SGI_BASE + 0x280;
  public static final int GICR_ISACTIVER0 = SGI_BASE + 0x300;
  public static final int GICR_ICACTIVER0 = SGI_BASE + 0x380;
  public static final int GICR_IPRIORITYR = SGI_BASE + 0x400;
  public static final int GICR_ICFGR1 = SGI_BASE + 0xc04;

  public static final int GITS_CTLR = 0x0;
  public static final int GITS_IIDR = 0x4;
  public static final int GITS_CBASER = 0x80;
  public static final int GITS_CWRITER = 0x88;
  public static final int GITS_CREADR = 0x90;
  public static final int GITS_BASER = 0x100;

  /** A readable name for error messages. */
  public static String gitsName(int offset) {
    return switch (offset) {
      case GITS_CTLR -> "GITS_CTLR";
      case GITS_IIDR -> "GITS_IIDR";
      case GITS_CBASER -> "GITS_CBASER";
      case GITS_CWRITER -> "GITS_CWRITER";
      case GITS_CREADR -> "GITS_CREADR";
      default -> "GITS_BASER" + (offset - GITS_BASER) / 8;
    };
  }
}
