// bob-template: attach
// Adds a permanent agent (DumbSlave, retention "always") unless a node of that name exists:
// the same settings report "unchanged" (never a duplicate: addNode would silently replace it),
// different settings or a node bob does not manage report "conflict" and change nothing.
// Plugin classes (SSHLauncher, CommandLauncher) are resolved at run time so a missing plugin
// gives a clear result instead of a compile error.
// Parameters arrive only through BOB_PARAMS (base64 of JSON); this file is never edited at run time.
// Prints exactly one line: BOB_RESULT <json>. No top-level return: python-jenkins appends a marker.
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import hudson.model.Node
import hudson.slaves.DumbSlave
import hudson.slaves.JNLPLauncher
import hudson.slaves.RetentionStrategy
import jenkins.model.Jenkins

final String BOB_PARAMS = '@@BOB_PARAMS@@'
final String BOB_MARK = 'managed by bob '

def bobPluginClass = { String name, String plugin ->
    try {
        return [cls: Class.forName(name, true, Jenkins.get().pluginManager.uberClassLoader)]
    } catch (ClassNotFoundException ignored) {
        return [error: "unable to resolve class ${name} (is the ${plugin} plugin installed?)".toString()]
    }
}

def bobLauncherOf = { launcher ->
    String cls = launcher == null ? '' : launcher.getClass().name
    if (cls == 'hudson.plugins.sshslaves.SSHLauncher') {
        return [type: 'ssh', host: launcher.host, port: launcher.port, credentials_id: launcher.credentialsId]
    }
    if (cls == 'hudson.slaves.JNLPLauncher') {
        return [type: 'inbound']
    }
    if (cls == 'hudson.slaves.CommandLauncher') {
        return [type: 'command', command: launcher.command]
    }
    return [type: 'other', 'class': cls]
}

def bobNewLauncher = { Map spec ->
    if (spec.type == 'inbound') {
        return [launcher: new JNLPLauncher()]
    }
    if (spec.type == 'ssh') {
        def found = bobPluginClass('hudson.plugins.sshslaves.SSHLauncher', 'ssh-slaves')
        if (found.error) {
            return found
        }
        def launcher = found.cls.newInstance(spec.host, (int) spec.port, spec.credentials_id)
        def verifier = bobPluginClass(
            'hudson.plugins.sshslaves.verifiers.KnownHostsFileKeyVerificationStrategy', 'ssh-slaves')
        if (verifier.error) {
            return verifier
        }
        launcher.sshHostKeyVerificationStrategy = verifier.cls.newInstance()
        return [launcher: launcher]
    }
    if (spec.type == 'command') {
        def found = bobPluginClass('hudson.slaves.CommandLauncher', 'command-launcher')
        if (found.error) {
            return found
        }
        def approval = bobPluginClass(
            'org.jenkinsci.plugins.scriptsecurity.scripts.ScriptApproval', 'script-security')
        def language = bobPluginClass(
            'org.jenkinsci.plugins.scriptsecurity.scripts.languages.SystemCommandLanguage', 'script-security')
        if (approval.error || language.error) {
            return approval.error ? approval : language
        }
        // The one-argument constructor queues a command made from a script for an administrator
        // ("script not yet approved for use") and the agent never starts: bob's commands come
        // from bob's config, so they are approved here, and saved so a restart keeps them.
        def approvals = approval.cls.get()
        approvals.preapprove(spec.command, language.cls.get())
        approvals.save()
        return [launcher: found.cls.newInstance(spec.command)]
    }
    return [error: "unknown launcher type ${spec.type}".toString()]
}

def bobRun = { Map p ->
    def jenkins = Jenkins.get()
    def existing = jenkins.getNode(p.name)
    if (existing != null) {
        String description = existing.nodeDescription ?: ''
        if (!description.startsWith(BOB_MARK)) {
            return [status: 'conflict', name: p.name, differences: [managed: [expected: true, actual: false]]]
        }
        def actual = [
            label: existing.labelString ?: '',
            executors: existing.numExecutors,
            remote_fs: existing.hasProperty('remoteFS') ? existing.remoteFS : null,
            launcher: existing.hasProperty('launcher') ? bobLauncherOf(existing.launcher) : null,
        ]
        def expected = [label: p.label, executors: p.executors, remote_fs: p.remote_fs, launcher: p.launcher]
        def differences = [:]
        expected.each { key, value ->
            if (actual[key] != value) {
                differences[key] = [expected: value, actual: actual[key]]
            }
        }
        if (differences) {
            return [status: 'conflict', name: p.name, differences: differences]
        }
        return [status: 'unchanged', name: p.name]
    }
    def made = bobNewLauncher(p.launcher)
    if (made.error) {
        return [status: 'error', kind: 'missing-plugin', name: p.name, message: made.error]
    }
    def agent = new DumbSlave(p.name, p.remote_fs, made.launcher)
    agent.nodeDescription = BOB_MARK + JsonOutput.toJson(p.meta)
    agent.numExecutors = p.executors
    agent.labelString = p.label
    agent.mode = Node.Mode.NORMAL
    agent.retentionStrategy = new RetentionStrategy.Always()
    jenkins.addNode(agent)
    return [status: 'created', name: p.name]
}

def bobParams = new JsonSlurper().parseText(new String(BOB_PARAMS.decodeBase64(), 'UTF-8'))
println('BOB_RESULT ' + JsonOutput.toJson(bobRun(bobParams)))
