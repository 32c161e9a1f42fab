package io.vmstate.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Which Netty transport carries TCP: Linux's native epoll where it loads (fewer copies and system
 * calls per read than NIO, which matters for gigabytes of RAM pages), NIO elsewhere. A caller's own
 * event loop group may be of either kind; the channel classes follow the group.
 */
final class Transports {
  private Transports() {}

  /** A group of {@code threads} daemon event loops named {@code name}. */
  static EventLoopGroup group(int threads, String name) {
    DefaultThreadFactory f = new DefaultThreadFactory(name, true);
    return Epoll.isAvailable()
        ? new EpollEventLoopGroup(threads, f)
        : new NioEventLoopGroup(threads, f);
  }

  static Class<? extends ServerChannel> serverChannel(EventLoopGroup group) {
    return group instanceof EpollEventLoopGroup
        ? EpollServerSocketChannel.class
        : NioServerSocketChannel.class;
  }

  static Class<? extends SocketChannel> channel(EventLoopGroup group) {
    return group instanceof EpollEventLoopGroup ? EpollSocketChannel.class : NioSocketChannel.class;
  }
}
