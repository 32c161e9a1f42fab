package io.vmstate.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Classpath resource loading for tests (absolute paths, e.g. {@code /io/vmstate/...}). */
public final class Resources {
  private Resources() {}

  /**
   * All bytes of the classpath resource {@code path}. A path without a leading {@code /} is taken
   * as absolute too.
   *
   * @throws IllegalArgumentException if there is no such resource
   */
  public static byte[] bytes(String path) {
    try (InputStream in = open(path)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("reading resource " + path, e);
    }
  }

  /** The resource as UTF-8 text. */
  public static String text(String path) {
    return new String(bytes(path), StandardCharsets.UTF_8);
  }

  /** Whether the classpath has {@code path}. */
  public static boolean exists(String path) {
    return Resources.class.getResource(absolute(path)) != null;
  }

  /** Opens the resource; the caller closes it. */
  public static InputStream open(String path) {
    InputStream in = Resources.class.getResourceAsStream(absolute(path));
    if (in == null) {
      throw new IllegalArgumentException("no classpath resource " + absolute(path));
    }
    return in;
  }

  private static String absolute(String path) {
    return path.startsWith("/") ? path : "/" + path;
  }
}
