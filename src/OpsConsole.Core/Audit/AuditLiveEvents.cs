using OpsConsole.Core.Live;

namespace OpsConsole.Core.Audit;

/// <summary>What audit pages follow live: the log growing, and verifications and checkpoints (from any instance).</summary>
public sealed class AuditLiveEvents(ILiveEvents live)
{
    /// <summary>Calls <paramref name="onChanged"/> when records were appended to the log, at most once per interval.</summary>
    public IDisposable OnAppended(TimeSpan minimumInterval, Func<Task> onChanged) =>
        live.SubscribeThrottled(AuditTopics.Appended, minimumInterval, onChanged);

    /// <summary>
    /// Calls <paramref name="onChanged"/> while a verification runs, at most once per interval; <paramref name="filter"/>
    /// sees every progress event as it arrives (the event is the state, so a view keeps it).
    /// </summary>
    public IDisposable OnVerificationProgress(TimeSpan minimumInterval, Func<Task> onChanged, Func<AuditVerificationProgress, bool> filter) =>
        live.SubscribeThrottled(AuditIntegrityTopics.VerificationProgress, minimumInterval, onChanged, filter);

    /// <summary>Calls <paramref name="onChanged"/> when a verification finished or a checkpoint was written.</summary>
    public IDisposable OnVerificationResults(TimeSpan minimumInterval, Func<Task> onChanged) =>
        new Subscriptions(
            live.SubscribeThrottled(AuditIntegrityTopics.Verified, minimumInterval, onChanged),
            live.SubscribeThrottled(AuditIntegrityTopics.CheckpointCreated, minimumInterval, onChanged));
}
