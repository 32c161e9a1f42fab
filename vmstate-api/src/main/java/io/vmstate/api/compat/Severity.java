package io.vmstate.api.compat;

import java.util.Locale;

/** How bad a {@link Problem} is. */
public enum Severity {
  /**
   * Old streams would not load, or would load into the wrong fields. Counted in the exit status.
   */
  ERROR,
  /** Worth a look (a rename, a backward-migration hazard) but old streams still load. */
  WARNING;

  /** {@code error} or {@code warning}, as printed. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
