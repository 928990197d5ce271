// bob-template: list_nodes
// Lists every agent (the built-in node is not an agent) with what bob needs to know about it.
// Parameters arrive only through BOB_PARAMS (base64 of JSON); this file is never edited at run time.
// Prints exactly one line: BOB_RESULT <json>. No top-level return: python-jenkins appends a marker.
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import jenkins.model.Jenkins

final String BOB_PARAMS = '@@BOB_PARAMS@@'
final String BOB_MARK = 'managed by bob '

def bobLauncher = { launcher ->
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

def bobMeta = { String description ->
    if (description == null || !description.startsWith(BOB_MARK)) {
        return null
    }
    try {
        return new JsonSlurper().parseText(description.substring(BOB_MARK.length()))
    } catch (Exception ignored) {
        return [:]
    }
}

def bobRun = { Map p ->
    def nodes = []
    Jenkins.get().nodes.each { node ->
        def computer = node.toComputer()
        def meta = bobMeta(node.nodeDescription)
        nodes << [
            name: node.nodeName,
            labels: node.labelString ?: '',
            executors: node.numExecutors,
            remote_fs: node.hasProperty('remoteFS') ? node.remoteFS : null,
            offline: computer == null ? true : computer.offline,
            temporarily_offline: computer == null ? false : computer.temporarilyOffline,
            offline_reason: computer == null ? '' : (computer.offlineCauseReason ?: ''),
            idle: computer == null ? true : computer.idle,
            // Epoch ms since which the agent has run nothing (in the future while it is busy).
            idle_since_ms: computer == null ? null : computer.idleStartMilliseconds,
            busy_executors: computer == null ? 0 : computer.countBusy(),
            managed: meta != null,
            meta: meta,
            launcher: node.hasProperty('launcher') ? bobLauncher(node.launcher) : null,
        ]
    }
    return [status: 'ok', nodes: nodes]
}

def bobParams = new JsonSlurper().parseText(new String(BOB_PARAMS.decodeBase64(), 'UTF-8'))
println('BOB_RESULT ' + JsonOutput.toJson(bobRun(bobParams)))
