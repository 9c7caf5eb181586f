using Microsoft.Extensions.Options;
using OpsConsole.Core.Backups.Engine;

namespace OpsConsole.Core.Backups;

/// <summary>Where dumps live (one folder per managed database) and the PostgreSQL client programs that write and read them.</summary>
public sealed class BackupStorage(IOptions<BackupOptions> options, string dataDirectory)
{
    private readonly Lazy<string> _root = new(() => Path.GetFullPath(
        options.Value.Directory.Length > 0 ? options.Value.Directory : Path.Combine(dataDirectory, "backups")));

    public string Root => _root.Value;

    /// <summary>The database's folder, created (mode 0700: dumps hold every row) when missing.</summary>
    public string FolderOf(string database)
    {
        var folder = Path.Combine(Root, database);
        if (!Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        return folder;
    }

    public string PathOf(StoredBackup backup)
    {
        ArgumentNullException.ThrowIfNull(backup);
        return Path.Combine(Root, backup.Database, backup.FileName);
    }

    /// <summary>pg_dump and pg_restore: the configured folder, else PATH or the newest /usr/lib/postgresql/&lt;n&gt;/bin.</summary>
    public PgClientTools Tools(PgVersion? server = null) =>
        PgClientTools.Locate(options.Value.PgBinDirectory.Length > 0 ? options.Value.PgBinDirectory : null, server);

    /// <summary>Used and total bytes of the file system holding the backups (null when it cannot be read).</summary>
    public (long Used, long Capacity)? Usage()
    {
        try
        {
            Directory.CreateDirectory(Root);
            var drive = new DriveInfo(Root);
            return (drive.TotalSize - drive.AvailableFreeSpace, drive.TotalSize);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
