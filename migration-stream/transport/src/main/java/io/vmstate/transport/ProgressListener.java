package io.vmstate.transport;

/**
 * Progress of one migration. Called from the session's event loop or decoder thread: keep it short
 * and non-blocking.
 */
@FunctionalInterface
public interface ProgressListener {
  ProgressListener NONE = (session, bytes, sections) -> {};

  /**
   * @param bytes bytes moved so far (stream bytes in raw mode, section bytes in framed mode)
   * @param sections sections completed so far (acknowledged by the destination in framed mode,
   *     decoded by the sink in raw mode)
   */
  void onProgress(MigrationSession session, long bytes, int sections);
}
