// bob-template: undrain
// Brings a bob-managed agent that bob took offline back online: the undo of drain, used when a
// detach could not finish (the agent stayed busy) so no agent is left offline for nobody.
// Refuses nodes bob does not manage.
// Parameters arrive only through BOB_PARAMS (base64 of JSON); this file is never edited at run time.
// Prints exactly one line: BOB_RESULT <json>. No top-level return: python-jenkins appends a marker.
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import jenkins.model.Jenkins

final String BOB_PARAMS = '@@BOB_PARAMS@@'
final String BOB_MARK = 'managed by bob '

def bobRun = { Map p ->
    def node = Jenkins.get().getNode(p.name)
    if (node == null) {
        return [status: 'absent', name: p.name]
    }
    if (!(node.nodeDescription ?: '').startsWith(BOB_MARK)) {
        return [status: 'not-managed', name: p.name]
    }
    def computer = node.toComputer()
    if (computer == null || !computer.temporarilyOffline) {
        return [status: 'already-online', name: p.name]
    }
    computer.setTemporarilyOffline(false, null)
    return [status: 'online', name: p.name]
}

def bobParams = new JsonSlurper().parseText(new String(BOB_PARAMS.decodeBase64(), 'UTF-8'))
println('BOB_RESULT ' + JsonOutput.toJson(bobRun(bobParams)))
