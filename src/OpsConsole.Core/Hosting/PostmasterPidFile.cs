using System.Globalization;

namespace OpsConsole.Core.Hosting;

/// <summary>The first lines of <c>postmaster.pid</c>: PID, data directory, start time, port, socket dir, listen address, shmem key, status.</summary>
internal sealed record PostmasterPidFile(int ProcessId, string? DataDirectory, int? Port, string? Status, int? SharedMemoryId = null)
{
    /// <summary>Returns null when the file is empty or line 1 is not a PID (e.g. truncated by a crash mid-write).</summary>
    public static PostmasterPidFile? Parse(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var lines = content.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        if (lines.Length == 0
            || !int.TryParse(lines[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || pid <= 0)
        {
            return null;
        }

        string? Line(int index) => lines.Length > index && lines[index].Trim().Length > 0 ? lines[index].Trim() : null;

        int? port = int.TryParse(Line(3), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;

        // Line 7 is "<shmem key> <shmem id>"; the id lets us tell whether old backends still hold the segment.
        var shm = Line(6)?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int? shmId = shm is { Length: 2 } && int.TryParse(shm[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        return new PostmasterPidFile(pid, Line(1), port, Line(7), shmId);
    }

    /// <summary>
    /// True when a /proc/&lt;pid&gt;/cmdline (NUL-separated) belongs to a postgres postmaster serving
    /// <paramref name="clusterDirectory"/>; guards against killing an unrelated process that reused the PID.
    /// </summary>
    public static bool IsPostmasterFor(string cmdline, string clusterDirectory)
    {
        ArgumentNullException.ThrowIfNull(cmdline);
        var args = cmdline.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        if (args.Length == 0)
        {
            return false;
        }

        var program = Path.GetFileName(args[0]);
        if (program is not ("postgres" or "postmaster"))
        {
            return false;
        }

        var wanted = Normalize(clusterDirectory);
        for (var i = 1; i < args.Length; i++)
        {
            var candidate = args[i] switch
            {
                "-D" when i + 1 < args.Length => args[i + 1],
                var a when a.StartsWith("-D", StringComparison.Ordinal) && a.Length > 2 => a[2..],
                var a when a.StartsWith("--data-directory=", StringComparison.Ordinal) => a["--data-directory=".Length..],
                _ => null,
            };
            if (candidate is not null && string.Equals(Normalize(candidate), wanted, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Reads the attach count of a System V segment from /proc/sysvipc/shm text
    /// ("key shmid perms size cpid lpid nattch ..."); null when the segment no longer exists.
    /// </summary>
    public static int? SharedMemoryAttachCount(string procSysvipcShm, int sharedMemoryId)
    {
        ArgumentNullException.ThrowIfNull(procSysvipcShm);
        foreach (var line in procSysvipcShm.Split('\n').Skip(1))
        {
            var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length > 6
                && int.TryParse(cols[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                && id == sharedMemoryId
                && int.TryParse(cols[6], NumberStyles.None, CultureInfo.InvariantCulture, out var attached))
            {
                return attached;
            }
        }

        return null;
    }

    private static string Normalize(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
}
