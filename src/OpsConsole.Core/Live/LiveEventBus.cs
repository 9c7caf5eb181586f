using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OpsConsole.Core.Live;

/// <summary>
/// In-process live event bus (singleton). Publishing only does non-blocking channel writes; each subscription
/// has its own bounded queue and reader loop. Distributed topics are additionally handed to the Postgres bridge
/// through an internal bounded outbound queue, so Publish never does I/O.
/// </summary>
public sealed partial class LiveEventBus : ILiveEvents
{
    /// <summary>Outbound NOTIFY queue length; while the database is unreachable the oldest pending sends are dropped.</summary>
    internal const int OutboundCapacity = 1024;

    private readonly ConcurrentDictionary<string, LiveTopicState> _topics = new(StringComparer.Ordinal);
    private readonly ILogger<LiveEventBus> _logger;
    private readonly Channel<LiveItem> _outbound;
    private long _published;
    private long _remoteReceived;
    private long _delivered;
    private long _dropped;
    private long _handlerErrors;
    private long _notifyOversize;
    private long _notifyDropped;
    private int _subscriberCount;
    private int _forwarding;

    /// <param name="logger">Optional; handler failures are logged here.</param>
    /// <param name="timeProvider">Clock for <see cref="LiveEvent{T}.PublishedAt"/>; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <param name="instanceId">Identity used to ignore our own NOTIFY echoes; defaults to machine name + random suffix.</param>
    public LiveEventBus(ILogger<LiveEventBus>? logger = null, TimeProvider? timeProvider = null, string? instanceId = null)
    {
        _logger = logger ?? NullLogger<LiveEventBus>.Instance;
        TimeProvider = timeProvider ?? TimeProvider.System;
        InstanceId = string.IsNullOrWhiteSpace(instanceId)
            ? $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}"
            : instanceId;
        _outbound = Channel.CreateBounded<LiveItem>(
            new BoundedChannelOptions(OutboundCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
            },
            dropped => OnNotifyDropped(dropped.Topic));
    }

    public string InstanceId { get; }

    internal TimeProvider TimeProvider { get; }

    public LiveEventStatistics Statistics => new(
        Interlocked.Read(ref _published),
        Interlocked.Read(ref _remoteReceived),
        Interlocked.Read(ref _delivered),
        Interlocked.Read(ref _dropped),
        Interlocked.Read(ref _handlerErrors),
        Interlocked.Read(ref _notifyOversize),
        Interlocked.Read(ref _notifyDropped),
        Volatile.Read(ref _subscriberCount),
        _topics.ToDictionary(static kv => kv.Key, static kv => kv.Value.Snapshot(), StringComparer.Ordinal));

    public void Publish<T>(LiveTopic<T> topic, T payload)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var state = GetTopic(topic.Name);
        state.EnsurePayloadType<T>();

        var item = LiveItem.Local(topic.Name, payload, TimeProvider.GetUtcNow(), Interlocked.Increment(ref state.Sequence), InstanceId);
        Interlocked.Increment(ref _published);
        Interlocked.Increment(ref state.Published);
        LiveMetrics.Published.WithLabels(topic.Name).Inc();

        Dispatch(state, item);

        // Only queue for NOTIFY once a bridge is draining the queue; otherwise it would just fill and drop.
        if (topic.Distributed && Volatile.Read(ref _forwarding) != 0)
        {
            _outbound.Writer.TryWrite(item);
        }
    }

    public IDisposable Subscribe<T>(LiveTopic<T> topic, Func<LiveEvent<T>, Task> handler, LiveSubscriptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(handler);
        var state = GetTopic(topic.Name);
        state.EnsurePayloadType<T>();
        return Attach(new TypedLiveSubscription<T>(this, state, handler, options));
    }

    public IDisposable SubscribeRaw(string topicName, Func<LiveEventEnvelope, Task> handler, LiveSubscriptionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topicName);
        ArgumentNullException.ThrowIfNull(handler);
        return Attach(new RawLiveSubscription(this, GetTopic(topicName), handler, options));
    }

    /// <summary>
    /// Delivers an event that arrived from another instance to local subscribers, without re-forwarding it.
    /// Our own echoes (same <see cref="InstanceId"/>) are ignored. Returns true if it was dispatched.
    /// </summary>
    internal bool DeliverRemote(LiveEventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (string.Equals(envelope.OriginInstance, InstanceId, StringComparison.Ordinal) || string.IsNullOrEmpty(envelope.Topic))
        {
            return false;
        }

        Interlocked.Increment(ref _remoteReceived);
        LiveMetrics.RemoteReceived.WithLabels(envelope.Topic).Inc();
        if (!_topics.TryGetValue(envelope.Topic, out var state))
        {
            return false; // nobody here has ever used this topic
        }

        Interlocked.Increment(ref state.RemoteReceived);
        if (state.Subscribers.Length == 0)
        {
            return false;
        }

        object? typed = null;
        var hasTyped = false;
        if (state.Deserializer is { } deserialize)
        {
            try
            {
                typed = deserialize(envelope.Payload);
                hasTyped = true;
            }
            catch (JsonException ex)
            {
                // Typed subscribers skip it (likely a version skew between instances); raw subscribers still get JSON.
                LogRemoteDeserializeFailed(_logger, envelope.Topic, envelope.OriginInstance, ex);
            }
        }

        Dispatch(state, LiveItem.Remote(envelope, typed, hasTyped));
        return true;
    }

    /// <summary>Parses a NOTIFY payload (a serialized <see cref="LiveEventEnvelope"/>) and delivers it.</summary>
    internal bool DeliverRemoteJson(string json)
    {
        LiveEventEnvelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<LiveEventEnvelope>(json, LiveJson.Options);
        }
        catch (JsonException ex)
        {
            LogMalformedNotification(_logger, ex);
            return false;
        }

        return envelope is not null && DeliverRemote(envelope);
    }

    /// <summary>Called by the bridge when it starts draining; from then on Distributed publishes are queued for NOTIFY.</summary>
    internal ChannelReader<LiveItem> StartForwarding()
    {
        Volatile.Write(ref _forwarding, 1);
        return _outbound.Reader;
    }

    internal void StopForwarding() => Volatile.Write(ref _forwarding, 0);

    internal void OnNotifyOversize(string topic, int bytes)
    {
        Interlocked.Increment(ref _notifyOversize);
        LiveMetrics.NotifyOversize.WithLabels(topic).Inc();
        LogNotifyOversize(_logger, topic, bytes);
    }

    internal void OnDropped(LiveTopicState topic)
    {
        Interlocked.Increment(ref _dropped);
        Interlocked.Increment(ref topic.Dropped);
        LiveMetrics.Dropped.WithLabels(topic.Name).Inc();
    }

    internal void OnDelivered(LiveTopicState topic)
    {
        Interlocked.Increment(ref _delivered);
        Interlocked.Increment(ref topic.Delivered);
    }

    internal void OnHandlerError(LiveTopicState topic, Exception ex)
    {
        Interlocked.Increment(ref _handlerErrors);
        Interlocked.Increment(ref topic.HandlerErrors);
        LiveMetrics.HandlerErrors.WithLabels(topic.Name).Inc();
        LogHandlerFailed(_logger, topic.Name, ex);
    }

    internal void Remove(LiveSubscription subscription)
    {
        if (subscription.Topic.Remove(subscription))
        {
            Interlocked.Decrement(ref _subscriberCount);
            LiveMetrics.Subscribers.Dec();
        }
    }

    private void OnNotifyDropped(string topic)
    {
        Interlocked.Increment(ref _notifyDropped);
        LiveMetrics.NotifyDropped.WithLabels(topic).Inc();
    }

    private LiveTopicState GetTopic(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return _topics.GetOrAdd(name, static n => new LiveTopicState(n));
    }

    private LiveSubscription Attach(LiveSubscription subscription)
    {
        subscription.Topic.Add(subscription);
        Interlocked.Increment(ref _subscriberCount);
        LiveMetrics.Subscribers.Inc();
        subscription.Start();
        return subscription;
    }

    private static void Dispatch(LiveTopicState state, LiveItem item)
    {
        foreach (var subscription in state.Subscribers)
        {
            subscription.TryEnqueue(item);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Live event handler for topic {Topic} threw")]
    private static partial void LogHandlerFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Remote live event on topic {Topic} from {Origin} could not be deserialized; typed subscribers skip it")]
    private static partial void LogRemoteDeserializeFailed(ILogger logger, string topic, string origin, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Ignoring malformed live event notification")]
    private static partial void LogMalformedNotification(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Live event on topic {Topic} not forwarded: NOTIFY payload is {Bytes} bytes (limit 7999)")]
    private static partial void LogNotifyOversize(ILogger logger, string topic, int bytes);
}
