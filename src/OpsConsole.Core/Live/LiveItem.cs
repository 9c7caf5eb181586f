using System.Text.Json;

namespace OpsConsole.Core.Live;

/// <summary>
/// One published event as queued to subscribers. Holds the typed payload (local publish or deserialized remote)
/// and serializes to JSON at most once, lazily, on a reader/bridge thread rather than the publisher's.
/// </summary>
internal sealed class LiveItem
{
    private readonly Lock _gate = new();
    private readonly Type? _payloadType;
    private JsonElement _json;
    private bool _hasJson;

    private LiveItem(string topic, object? payload, bool hasTypedPayload, Type? payloadType, DateTimeOffset publishedAt, long sequence, string origin)
    {
        Topic = topic;
        Payload = payload;
        HasTypedPayload = hasTypedPayload;
        _payloadType = payloadType;
        PublishedAt = publishedAt;
        Sequence = sequence;
        OriginInstance = origin;
    }

    public string Topic { get; }

    public object? Payload { get; }

    /// <summary>False for remote events whose topic has no typed registration here (or failed to deserialize): only raw subscribers get them.</summary>
    public bool HasTypedPayload { get; }

    public DateTimeOffset PublishedAt { get; }

    public long Sequence { get; }

    public string OriginInstance { get; }

    public static LiveItem Local<T>(string topic, T payload, DateTimeOffset publishedAt, long sequence, string origin) =>
        new(topic, payload, hasTypedPayload: true, typeof(T), publishedAt, sequence, origin);

    public static LiveItem Remote(LiveEventEnvelope envelope, object? typedPayload, bool hasTypedPayload)
    {
        var item = new LiveItem(envelope.Topic, typedPayload, hasTypedPayload, payloadType: null, envelope.PublishedAt, envelope.Sequence, envelope.OriginInstance)
        {
            _json = envelope.Payload,
            _hasJson = true,
        };
        return item;
    }

    public JsonElement GetJson()
    {
        lock (_gate)
        {
            if (!_hasJson)
            {
                _json = JsonSerializer.SerializeToElement(Payload, _payloadType ?? typeof(object), LiveJson.Options);
                _hasJson = true;
            }

            return _json;
        }
    }

    public LiveEventEnvelope ToEnvelope() => new(Topic, GetJson(), PublishedAt, Sequence, OriginInstance);
}
