using OpsConsole.Core.Keys;
using OpsConsole.Core.Live;
using OpsConsole.Core.Operations;

namespace OpsConsole.Web.Features.Keys;

/// <summary>
/// What the key pages subscribe to (components never see the live bus): a ring's keys changed (created, rotated,
/// revoked) or an operation on a ring moved (requested, approved, running, ended). Throttled per subscriber.
/// </summary>
public sealed class KeyFeed(ILiveEvents live)
{
    public static readonly TimeSpan MinimumRefresh = TimeSpan.FromMilliseconds(500);

    private static readonly string TargetPrefix = KeyKinds.Target("");

    /// <summary>Any ring (<paramref name="ring"/> null) or just one; for one ring also its consumers' usage (at most every 30 s).</summary>
    public IDisposable OnKeysChanged(Func<Task> onChanged, string? ring = null) =>
        new Subscriptions(
            live.SubscribeThrottled(KeyTopics.Changed, MinimumRefresh, onChanged, e => ring is null || e.Ring == ring),
            live.SubscribeThrottled(KeyTopics.ConsumersChanged, MinimumRefresh, onChanged, r => ring is not null && r == ring),
            live.SubscribeThrottled(OperationTopics.Changed, MinimumRefresh, onChanged,
                e => ring is null ? e.Target.StartsWith(TargetPrefix, StringComparison.Ordinal) : e.Target == KeyKinds.Target(ring)));

    /// <summary>The console's own keys: the audit checkpoint key rotated (any instance) or its operation moved.</summary>
    public IDisposable OnConsoleKeysChanged(Func<Task> onChanged) =>
        new Subscriptions(
            live.SubscribeThrottled(Core.Audit.AuditSigningKeyStore.Rotated, MinimumRefresh, onChanged),
            live.SubscribeThrottled(OperationTopics.Changed, MinimumRefresh, onChanged, e => e.Target == ConsoleKeysService.AuditKeyTarget));
}
