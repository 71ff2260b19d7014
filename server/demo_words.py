"""The words of the demo district's history (server/demo_history.py): what observers wrote.

Notes are evidence in the observers' own shorthand (T: the teacher, S1/S2: students); the
`inference` notes are interpretations, which the observer marks as such. Demand levels index
TASKS (0 Recall to 3 Extended thinking); the pools keyed True/False are for tasks that ask
students to think (Strategic thinking and above) or not.
"""

TOPICS = {
    "Math": ["equivalent fractions", "two-step word problems", "area and perimeter", "place value",
             "ratios and rates", "linear equations", "integers on a number line", "slope"],
    "Reading": ["the main idea", "character traits", "making inferences", "text features", "cause and effect"],
    "Writing": ["opinion paragraphs", "transition words", "narrative endings", "supporting details"],
    "English": ["theme in a short story", "argument and counterclaim", "figurative language",
                "citing textual evidence"],
    "Science": ["states of matter", "plant life cycles", "forces and motion", "the water cycle", "cell structure",
                "chemical reactions", "energy transfer"],
    "Social Studies": ["local government", "reading maps", "communities past and present",
                       "the causes of the American Revolution", "supply and demand"],
    "Spanish": ["present-tense verbs", "ordering food in a cafe", "describing family members"],
}

TASKS = [
    ["Answer ten practice questions on {topic} from the board.",
     "Fill in the blanks of a worksheet on {topic}.",
     "Copy the key terms for {topic} and their definitions into notebooks."],
    ["Solve a set of problems on {topic} and show each step.",
     "Sort examples of {topic} into two groups and label each group.",
     "Summarise a short text about {topic} in three sentences."],
    ["Compare two ways to work on {topic} and decide which is better, with reasons.",
     "Find and fix the mistake in a sample answer on {topic}, then explain the fix.",
     "Use evidence from two sources to answer a question about {topic}."],
    ["Plan and run a small investigation about {topic} and present what the group found.",
     "Design a project on {topic} that answers a question from the school community."],
]

TEACHER_DOING = {
    False: ["Models the first problem at the board; students copy it.",
            "Reads the directions aloud and walks the rows checking answers.",
            "Asks quick questions to the whole class; calls on volunteers.",
            "Works with one table while the others complete the sheet."],
    True: ["Circulates and asks groups 'How do you know?' and 'Is there another way?'.",
           "Confers with pairs, pressing them to connect their answer to the evidence.",
           "Poses one open question, then waits; calls on students with sticks.",
           "Listens in on groups and brings two different strategies to the board."],
}

STUDENTS_DOING = {
    False: ["Most work alone on the sheet; a few wait for the teacher to check.",
            "Students copy notes from the board and answer in unison.",
            "Students raise hands to answer short questions; about a third take part."],
    True: ["Pairs argue for different answers and revise after listening.",
           "Groups record their reasoning on chart paper and compare it with another group.",
           "Students question each other's claims and point to the text.",
           "Students test a prediction and write what surprised them."],
}

SEGMENTS = ["Opening", "Whole-group instruction", "Small-group work", "Partner work", "Independent practice",
            "Closing"]

NOTES = {
    "teacher": ["T: 'What do you notice? What do you wonder?'", "T: 'Show me with your fingers: 1, 2 or 3.'",
                "T: 'Who solved it another way?'", "T: 'Turn and tell your partner the first step.'",
                "T gives the answer after 4 seconds of silence.", "T: 'Can you prove it?' to S3.",
                "T restates the target before the task.", "T calls on 6 students by name in 2 minutes."],
    "students": ["S1: 'I think it's bigger because the pieces are smaller.'", "S2 to S4: 'Wait, why did you add?'",
                 "Three students ask 'Is this right?' in the first 5 minutes.",
                 "S5 explains the rule to S6 in Spanish.",
                 "2 of 5 students in the back group are not writing.", "S1: 'The text says it on page 12.'",
                 "S3 erases and changes the answer after talking with S7.", "Students read the target aloud."],
    "task": ["The sheet has 12 items of the same kind.", "The prompt asks 'why' in the last item only.",
             "The task has one right answer; the method is given.", "Students choose which strategy to use.",
             "The exit ticket asks students to explain their choice.", "Sources are at two reading levels."],
    "structure": ["Timer on the board: 8 minutes.", "Groups of 4 with roles on cards.",
                  "Anchor chart from last week is on the wall.", "Transition from carpet to tables: 3 minutes."],
    "inference": ["Most students seemed engaged.", "The group at the window looked confused.",
                  "Students appear used to this routine.", "The pace felt rushed for the last group.",
                  "S2 seemed to understand it better than the sheet shows.", "The class was calmer than usual."],
}

EVIDENCE = {
    False: ["Answers on the sheet; no reasoning written.", "Short answers in unison.",
            "One student explained a step when asked."],
    True: ["Pairs wrote two strategies and a sentence on which is better.",
           "Students quoted the text to back their claim.", "A group's chart shows a wrong start and the fix.",
           "Students predicted, tested and revised in writing."],
}

FEEDBACK = {
    "glow": ["Your wait time after the open question got four more students talking.",
             "The sentence frames helped pairs explain, not just answer.",
             "Students knew the target and could say why it matters.",
             "Your questions pushed groups to compare strategies.",
             "Every table was working within a minute of the start: the routine is solid."],
    "wonder": ["What would happen if students chose the strategy before you showed one?",
               "How might the last item ask for reasoning rather than an answer?",
               "What if the quiet group reported first?",
               "How could the exit ticket show you who can explain the idea?"],
    "next_step": ["Add one 'why' question to tomorrow's practice set.",
                  "Try a think-pair-share before whole-group answers.",
                  "Post the target in student words and ask two students to restate it.",
                  "Plan one task this week where students compare two methods."],
    "support_commitment": ["I will cover your class for 20 minutes so you can watch a colleague's routine.",
                           "I will bring three sample tasks that ask for reasoning to our next meeting.",
                           "I will co-plan Thursday's lesson with you.",
                           "I will model a think-pair-share in your room next week.",
                           "I will find a video of student discourse at this grade level."],
}

REFLECTIONS = ["Thanks; I hadn't noticed the back table.", "I'll try the 'why' question tomorrow.",
               "Fair point about the last item.", "The pairs talked more than I expected.",
               "Helpful; can we talk about pacing?", "I want to try this with my second group too."]

KEPT_NOTES = ["Covered 20 minutes; we debriefed after.", "Shared three tasks by email and in our meeting.",
              "Co-planned the lesson on Thursday.", "Modelled it in period 3.", "Sent the video link."]
