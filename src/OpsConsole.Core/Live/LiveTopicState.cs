using System.Text.Json;

namespace OpsConsole.Core.Live;

/// <summary>Per-topic registry entry: subscriber list (copy-on-write), payload type/deserializer, counters.</summary>
internal sealed class LiveTopicState(string name)
{
    private readonly Lock _gate = new();
    private LiveSubscription[] _subscribers = [];
    private Type? _payloadType;
    private Func<JsonElement, object?>? _deserializer;

    public long Sequence;
    public long Published;
    public long RemoteReceived;
    public long Delivered;
    public long Dropped;
    public long HandlerErrors;

    public string Name { get; } = name;

    /// <summary>Lock-free read for the publisher; writers replace the whole array under the lock.</summary>
    public LiveSubscription[] Subscribers => Volatile.Read(ref _subscribers);

    public Func<JsonElement, object?>? Deserializer
    {
        get
        {
            lock (_gate)
            {
                return _deserializer;
            }
        }
    }

    /// <summary>
    /// Binds the topic name to one payload type the first time a typed topic is seen, so remote JSON can be
    /// turned back into T for typed subscribers. Two different T for one name is a programming error.
    /// </summary>
    public void EnsurePayloadType<T>()
    {
        if (Volatile.Read(ref _payloadType) == typeof(T))
        {
            return;
        }

        lock (_gate)
        {
            if (_payloadType is null)
            {
                _deserializer = static json => json.Deserialize<T>(LiveJson.Options);
                Volatile.Write(ref _payloadType, typeof(T));
            }
            else if (_payloadType != typeof(T))
            {
                throw new InvalidOperationException(
                    $"Live topic '{Name}' is already bound to payload type {_payloadType.FullName}; cannot use it with {typeof(T).FullName}.");
            }
        }
    }

    public void Add(LiveSubscription subscription)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscription];
        }
    }

    public bool Remove(LiveSubscription subscription)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_subscribers, subscription);
            if (index < 0)
            {
                return false;
            }

            var copy = new LiveSubscription[_subscribers.Length - 1];
            Array.Copy(_subscribers, 0, copy, 0, index);
            Array.Copy(_subscribers, index + 1, copy, index, _subscribers.Length - index - 1);
            _subscribers = copy;
            return true;
        }
    }

    public LiveTopicStatistics Snapshot() => new(
        Interlocked.Read(ref Published),
        Interlocked.Read(ref RemoteReceived),
        Interlocked.Read(ref Delivered),
        Interlocked.Read(ref Dropped),
        Interlocked.Read(ref HandlerErrors),
        Subscribers.Length);
}
