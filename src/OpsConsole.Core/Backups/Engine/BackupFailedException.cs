namespace OpsConsole.Core.Backups.Engine;

/// <summary>Why a backup, a verification or a drill step failed: the label the operation log and /metrics show.</summary>
public enum BackupFailure
{
    /// <summary>pg_dump or pg_restore is not installed where the console looks.</summary>
    ToolMissing,

    /// <summary>pg_dump is older than the server's major version.</summary>
    VersionMismatch,

    /// <summary>The database could not be reached or refused the credentials.</summary>
    Connection,

    /// <summary>pg_dump or pg_restore exited with an error.</summary>
    ToolFailed,

    /// <summary>pg_dump or pg_restore was killed by a signal (out of memory, an operator, a shutdown).</summary>
    ToolKilled,

    /// <summary>The backup directory's file system is full.</summary>
    DiskFull,

    /// <summary>Any other problem writing, reading or renaming the backup file.</summary>
    Storage,

    /// <summary>The file's SHA-256 is not the one recorded when it was written.</summary>
    ChecksumMismatch,

    /// <summary>pg_restore cannot read the file as an archive.</summary>
    ArchiveInvalid,

    /// <summary>The archive lacks the data of a table the manifest lists.</summary>
    ManifestMismatch,

    /// <summary>A query the step needs (row counts, the snapshot) failed.</summary>
    Database,
}

/// <summary>
/// A backup engine step failed. <see cref="Exception.Message"/> is written for the operator (it names what failed
/// and what to do, and never holds a password); <see cref="Reason"/> is the stable label for metrics.
/// </summary>
public sealed class BackupFailedException : Exception
{
    public BackupFailedException()
        : this(BackupFailure.ToolFailed, "The backup failed.")
    {
    }

    public BackupFailedException(string message)
        : this(BackupFailure.ToolFailed, message)
    {
    }

    public BackupFailedException(string message, Exception innerException)
        : this(BackupFailure.ToolFailed, message, innerException)
    {
    }

    public BackupFailedException(BackupFailure reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    public BackupFailure Reason { get; }
}
