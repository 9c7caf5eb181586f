using System.Runtime.InteropServices;

namespace OpsConsole.Core.Hosting;

/// <summary>The few POSIX facilities the launcher needs (effective uid, signals, file modes).</summary>
internal static class UnixEnvironment
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    private const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Effective uid 0; Environment.UserName would be wrong under setuid or a renamed root account.</summary>
    public static bool IsRoot()
    {
        try
        {
            return NativeMethods.GetEffectiveUserId() == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return Environment.UserName == "root";
        }
    }

    public static bool Signal(int pid, int signal) => NativeMethods.Kill(pid, signal) == 0;

    /// <summary>Writes a secret file that only the owner can read; tightens the mode first if it already exists.</summary>
    public static void WriteSecretFile(string path, string content)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }

        if (File.Exists(path))
        {
            File.SetUnixFileMode(path, SecretMode);
        }

        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = SecretMode };
        using var writer = new StreamWriter(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options);
        writer.Write(content);
    }

    public static void SetMode(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }

        File.SetUnixFileMode(path, mode);
    }

    public static UnixFileMode GetMode(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }

        return File.GetUnixFileMode(path);
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "geteuid")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern uint GetEffectiveUserId();

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int Kill(int pid, int signal);
    }
}
