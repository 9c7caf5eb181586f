namespace OpsConsole.Web.Hosting;

/// <summary>A startup failure an operator can fix; its message is printed as one line, without a stack trace.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
