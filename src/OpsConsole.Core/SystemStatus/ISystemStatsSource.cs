namespace OpsConsole.Core.SystemStatus;

/// <summary>The newest sample, for a page's first render before the next live update arrives.</summary>
public interface ISystemStatsSource
{
    SystemStatsSnapshot? Latest { get; }

    /// <summary>Calls <paramref name="onChanged"/> when a new sample is taken, at most once per <paramref name="minimumInterval"/>.</summary>
    IDisposable OnStatsChanged(TimeSpan minimumInterval, Func<Task> onChanged);
}
