namespace OpsConsole.Core.Hosting;

/// <summary>How <c>pg_ctl stop</c> shuts the server down (its <c>-m</c> option).</summary>
public enum PostgresShutdownMode
{
    /// <summary>Disconnects clients, writes a shutdown checkpoint: the console's normal stop.</summary>
    Fast,

    /// <summary>Kills the server processes without a checkpoint, like a crash; the next start runs crash recovery. For fault tests.</summary>
    Immediate,
}
