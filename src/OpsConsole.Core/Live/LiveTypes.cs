using System.Text.Json;

namespace OpsConsole.Core.Live;

/// <summary>A typed topic. <paramref name="Name"/> is stable (e.g. "system.stats").</summary>
/// <param name="Name">Stable topic name; also the key used across instances.</param>
/// <param name="Distributed">When true, local publishes are also forwarded to other instances over LISTEN/NOTIFY.</param>
public sealed record LiveTopic<T>(string Name, bool Distributed = false);

/// <summary>An event delivered to a typed subscriber.</summary>
/// <param name="Sequence">Increasing per (topic, origin instance); a gap means events were dropped for this subscriber (or missed across instances).</param>
public sealed record LiveEvent<T>(string Topic, T Payload, DateTimeOffset PublishedAt, long Sequence, string OriginInstance);

/// <summary>An untyped event (payload as JSON, camelCase web defaults) for raw subscribers and the wire format.</summary>
public sealed record LiveEventEnvelope(string Topic, JsonElement Payload, DateTimeOffset PublishedAt, long Sequence, string OriginInstance);

public sealed class LiveSubscriptionOptions
{
    /// <summary>Bounded queue length for this subscriber; when full the oldest queued event is dropped.</summary>
    public int Capacity { get; init; } = 256;
}

/// <summary>Snapshot of per-topic counters.</summary>
public sealed record LiveTopicStatistics(long Published, long RemoteReceived, long Delivered, long Dropped, long HandlerErrors, int Subscribers);

/// <summary>Snapshot of bus counters (process lifetime of this bus instance).</summary>
public sealed record LiveEventStatistics(
    long Published,
    long RemoteReceived,
    long Delivered,
    long Dropped,
    long HandlerErrors,
    long NotifyOversize,
    long NotifyDropped,
    int Subscribers,
    IReadOnlyDictionary<string, LiveTopicStatistics> Topics);

public interface ILiveEvents
{
    string InstanceId { get; }

    /// <summary>Never blocks, never throws because of a subscriber.</summary>
    void Publish<T>(LiveTopic<T> topic, T payload);

    IDisposable Subscribe<T>(LiveTopic<T> topic, Func<LiveEvent<T>, Task> handler, LiveSubscriptionOptions? options = null);

    /// <summary>Untyped subscription by topic name (used by the SignalR hub); payload arrives as JSON.</summary>
    IDisposable SubscribeRaw(string topicName, Func<LiveEventEnvelope, Task> handler, LiveSubscriptionOptions? options = null);

    LiveEventStatistics Statistics { get; }
}
