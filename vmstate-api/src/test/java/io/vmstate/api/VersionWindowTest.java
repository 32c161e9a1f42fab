package io.vmstate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VersionWindowTest {
  @Test
  void containsItsEndsAndNothingOutside() {
    VersionWindow w = VersionWindow.of(2, 4);
    assertFalse(w.contains(1));
    assertTrue(w.contains(2));
    assertTrue(w.contains(4));
    assertFalse(w.contains(5));
    assertTrue(w.isAbove(1));
    assertTrue(w.isBelow(5));
    assertFalse(w.isAbove(2) || w.isBelow(4));
  }

  @Test
  void intersectsOrSaysThereIsNothingInCommon() {
    assertEquals(VersionWindow.of(3, 4), VersionWindow.of(1, 4).intersect(VersionWindow.of(3, 9)));
    assertNull(VersionWindow.of(1, 2).intersect(VersionWindow.of(3, 9)));
  }

  @Test
  void printsAsMessagesShowIt() {
    assertEquals("3", VersionWindow.of(3, 3).toString());
    assertEquals("1-4", VersionWindow.of(1, 4).toString());
  }

  @Test
  void anInvertedWindowIsTheCallersMistake() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> VersionWindow.of(5, 4));
    assertEquals("minimum version 5 is above the version 4", e.getMessage());
  }

  @Test
  void theMismatchNamesTheWindow() {
    VersionMismatchException e =
        assertThrows(
            VersionMismatchException.class,
            () -> VersionMismatchException.check("arm_gic", 13, VersionWindow.of(12, 12)));
    assertEquals(VersionWindow.of(12, 12), e.window());
    assertEquals(
        "incoming version_id 13 of 'arm_gic' is too new for local version_id 12", e.reason());
  }
}
