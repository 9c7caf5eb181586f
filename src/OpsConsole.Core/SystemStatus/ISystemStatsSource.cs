namespace OpsConsole.Core.SystemStatus;

/// <summary>The newest sample, for a page's first render before the next live update arrives.</summary>
public interface ISystemStatsSource
{
    SystemStatsSnapshot? Latest { get; }
}
